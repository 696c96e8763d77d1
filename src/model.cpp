#include "pix2pix/model.h"

#include <spdlog/spdlog.h>

#include <stdexcept>

namespace pix2pix {
namespace {

void set_requires_grad(torch::nn::Module& module, bool requires_grad) {
  for (auto& p : module.parameters()) p.set_requires_grad(requires_grad);
}

void to_channels_last(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (auto& p : module.parameters()) {
    if (p.dim() == 4) p.set_data(p.data().contiguous(torch::MemoryFormat::ChannelsLast));
  }
}

}  // namespace

Generator make_initial_generator(const Options& options) {
  torch::manual_seed(options.seed);
  Generator G = make_generator(generator_config(options));
  init_weights(*G, options.init_type, options.init_gain);
  return G;
}

Discriminator make_initial_discriminator(const Options& options) {
  Discriminator D = make_discriminator(discriminator_config(options));
  init_weights(*D, options.init_type, options.init_gain);
  return D;
}

Pix2PixModel::Pix2PixModel(Generator generator, Discriminator discriminator, const Options& options,
                           torch::Device device)
    : G_(std::move(generator)),
      D_(std::move(discriminator)),
      gan_loss_(options.gan_mode),
      lambda_L1_(options.lambda_L1),
      lambda_gp_(options.lambda_gp),
      device_(device),
      autocast_(device.is_cuda() && options.amp != "none"),
      autocast_dtype_(options.amp == "fp16" ? torch::kFloat16 : torch::kBFloat16),
      channels_last_(device.is_cuda() && options.channels_last),
      scaler_(device.is_cuda() && options.amp == "fp16"),
      loss_names_{"G_GAN", "G_L1", "D_real", "D_fake"} {
  if (!G_ || !D_)
    throw std::invalid_argument("Pix2PixModel needs both a generator and a discriminator");
  if (!device.is_cuda() && options.amp != "none") {
    spdlog::warn("amp {} applies on CUDA only; training in float32 on {}", options.amp,
                 device.str());
  }
  if (gan_loss_.mode() == "wgangp") loss_names_.push_back("D_GP");

  G_->to(device_);
  D_->to(device_);
  if (channels_last_) {
    to_channels_last(*G_);
    to_channels_last(*D_);
  }
  G_->train();
  D_->train();

  const auto adam = torch::optim::AdamOptions(options.lr).betas({options.beta1, options.beta2});
  optimizer_G_ = std::make_unique<torch::optim::Adam>(G_->parameters(), adam);
  optimizer_D_ = std::make_unique<torch::optim::Adam>(D_->parameters(), adam);
}

torch::Tensor Pix2PixModel::prepare(const torch::Tensor& image) const {
  torch::Tensor out = image.to(device_, torch::kFloat32, /*non_blocking=*/true);
  return channels_last_ ? out.contiguous(torch::MemoryFormat::ChannelsLast) : out;
}

void Pix2PixModel::set_input(const torch::Tensor& real_A, const torch::Tensor& real_B) {
  if (!real_A.defined() || !real_B.defined()) {
    throw std::invalid_argument("training needs pairs: the batch lacks real A or real B");
  }
  real_A_ = prepare(real_A);
  real_B_ = prepare(real_B);
}

void Pix2PixModel::forward() {
  AutocastGuard autocast(autocast_, autocast_dtype_);
  fake_B_ = G_->forward(real_A_);
}

void Pix2PixModel::backward_D() {
  const torch::Tensor real_AB = torch::cat({real_A_, real_B_}, 1);  // [N, in + out, H, W]
  const torch::Tensor fake_AB = torch::cat({real_A_, fake_B_.detach()}, 1);
  {
    AutocastGuard autocast(autocast_, autocast_dtype_);
    loss_D_fake_ = gan_loss_(D_->forward(fake_AB), false);
    loss_D_real_ = gan_loss_(D_->forward(real_AB), true);
  }
  torch::Tensor loss_D = (loss_D_fake_ + loss_D_real_) * 0.5;
  if (gan_loss_.mode() == "wgangp") {
    loss_D_GP_ = gradient_penalty(*D_, real_AB, fake_AB.to(real_AB.dtype()), lambda_gp_);
    loss_D = loss_D + loss_D_GP_;
  }
  scaler_.scale(loss_D).backward();
}

void Pix2PixModel::backward_G() {
  {
    AutocastGuard autocast(autocast_, autocast_dtype_);
    const torch::Tensor fake_AB = torch::cat({real_A_, fake_B_}, 1);
    loss_G_GAN_ = gan_loss_(D_->forward(fake_AB), true);
  }
  loss_G_L1_ = torch::l1_loss(fake_B_.to(torch::kFloat32), real_B_) * lambda_L1_;
  scaler_.scale(loss_G_GAN_ + loss_G_L1_).backward();
}

void Pix2PixModel::optimize_parameters() {
  forward();
  optimize_D();
  optimize_G();
}

void Pix2PixModel::optimize_D() {
  set_requires_grad(*D_, true);
  optimizer_D_->zero_grad();
  backward_D();
  scaler_.step(*optimizer_D_);
}

// D's parameters need no gradients here; the scaler's iteration ends with the G update.
void Pix2PixModel::optimize_G() {
  set_requires_grad(*D_, false);
  optimizer_G_->zero_grad();
  backward_G();
  scaler_.step(*optimizer_G_);
  scaler_.update();
}

torch::Tensor Pix2PixModel::losses() const {
  if (!loss_G_GAN_.defined()) {
    throw std::logic_error("Pix2PixModel::losses() called before optimize_parameters()");
  }
  std::vector<torch::Tensor> values{loss_G_GAN_, loss_G_L1_, loss_D_real_, loss_D_fake_};
  if (gan_loss_.mode() == "wgangp") values.push_back(loss_D_GP_);
  for (auto& v : values) v = v.detach().to(torch::kFloat32).reshape({});
  return torch::stack(values);
}

std::vector<torch::Tensor> Pix2PixModel::visuals() const {
  std::vector<torch::Tensor> out;
  for (const auto& image : {real_A_, fake_B_, real_B_}) {
    out.push_back(image[0].detach().to(torch::kCPU, torch::kFloat32).contiguous());
  }
  return out;
}

void Pix2PixModel::set_lr(double lr) {
  for (auto* optimizer : {optimizer_G_.get(), optimizer_D_.get()}) {
    for (auto& group : optimizer->param_groups()) group.options().set_lr(lr);
  }
}

double Pix2PixModel::lr() const {
  return optimizer_G_->param_groups().front().options().get_lr();
}

CheckpointParts Pix2PixModel::checkpoint_parts() {
  CheckpointParts parts;
  parts.generator = G_.get();
  parts.discriminator = D_.get();
  parts.optimizer_G = optimizer_G_.get();
  parts.optimizer_D = optimizer_D_.get();
  return parts;
}

}  // namespace pix2pix
