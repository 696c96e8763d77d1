// The U-Net generator: one recursive skip block per level.
#include <stdexcept>

#include "pix2pix/network_modules.h"

namespace pix2pix {
namespace {

namespace nn = torch::nn;

nn::Conv2dOptions down_options(int64_t in, int64_t out, bool bias) {
  return nn::Conv2dOptions(in, out, 4).stride(2).padding(1).bias(bias);
}

nn::ConvTranspose2dOptions up_options(int64_t in, int64_t out, bool bias) {
  return nn::ConvTranspose2dOptions(in, out, 4).stride(2).padding(1).bias(bias);
}

}  // namespace

UnetBlockImpl::UnetBlockImpl(int64_t outer_nc, int64_t inner_nc, int64_t input_nc, UnetLevel level,
                             std::shared_ptr<UnetBlockImpl> inner, const std::string& norm,
                             bool use_dropout)
    : level_(level) {
  if ((level == UnetLevel::Innermost) != (inner == nullptr)) {
    throw std::invalid_argument("a U-Net block has an inner block unless it is the innermost");
  }
  const bool bias = conv_bias_before(norm);
  down_conv_ = register_module("down_conv", nn::Conv2d(down_options(input_nc, inner_nc, bias)));
  if (level == UnetLevel::Middle) {
    down_norm_ = make_norm(norm, inner_nc);
    if (!down_norm_.is_empty()) register_module("down_norm", down_norm_.ptr());
  }
  if (inner) inner_ = register_module("inner", inner);

  // The decoder sees the inner block's output and its skip (twice the channels), except at the
  // innermost level, which has no skip below it. The outermost ConvTranspose always has a bias.
  const int64_t up_in = level == UnetLevel::Innermost ? inner_nc : inner_nc * 2;
  const bool up_bias = level == UnetLevel::Outermost || bias;
  up_conv_ = register_module("up_conv", nn::ConvTranspose2d(up_options(up_in, outer_nc, up_bias)));
  if (level != UnetLevel::Outermost) {
    up_norm_ = make_norm(norm, outer_nc);
    if (!up_norm_.is_empty()) register_module("up_norm", up_norm_.ptr());
  }
  if (use_dropout && level == UnetLevel::Middle) {
    dropout_ = register_module("dropout", nn::Dropout(0.5));
  }
}

torch::Tensor UnetBlockImpl::forward(torch::Tensor x) {
  // encoder. The reference's LeakyReLU here works in place and so also changes the skip tensor;
  // every consumer of a skip begins with a ReLU, and relu(leaky_relu(x)) == relu(x), so passing
  // the input unchanged computes the same function, gradients included.
  torch::Tensor y =
      down_conv_->forward(level_ == UnetLevel::Outermost ? x : torch::leaky_relu(x, 0.2));
  if (!down_norm_.is_empty()) y = down_norm_.forward(y);
  if (inner_) y = inner_->forward(y);

  // decoder
  y = up_conv_->forward(torch::relu(y));
  if (level_ == UnetLevel::Outermost) return torch::tanh(y);
  if (!up_norm_.is_empty()) y = up_norm_.forward(y);
  if (dropout_) y = dropout_->forward(y);
  return torch::cat({x, y}, 1);  // [N, outer_nc * 2, H, W]
}

void UnetBlockImpl::reference_names(const std::string& prefix, const std::string& reference_prefix,
                                    std::map<std::string, std::string>& names) const {
  // Positions inside the reference block's Sequential:
  //   outermost  [conv, inner, relu, convT, tanh]
  //   middle     [lrelu, conv, norm, inner, relu, convT, norm, (dropout)]
  //   innermost  [lrelu, conv, relu, convT, norm]
  const bool outermost = level_ == UnetLevel::Outermost;
  const bool innermost = level_ == UnetLevel::Innermost;
  const int down_conv = outermost ? 0 : 1;
  const int inner = outermost ? 1 : 3;
  const int up_conv = outermost ? 3 : (innermost ? 3 : 5);
  const int up_norm = innermost ? 4 : 6;

  auto at = [&](int index) { return reference_prefix + std::to_string(index); };
  names[prefix + "down_conv"] = at(down_conv);
  if (!down_norm_.is_empty()) names[prefix + "down_norm"] = at(2);
  names[prefix + "up_conv"] = at(up_conv);
  if (!up_norm_.is_empty()) names[prefix + "up_norm"] = at(up_norm);
  if (inner_) inner_->reference_names(prefix + "inner.", at(inner) + ".model.", names);
}

UnetGeneratorImpl::UnetGeneratorImpl(const GeneratorConfig& config, int num_downs)
    : config_(config), num_downs_(num_downs) {
  if (num_downs < 5) {
    throw std::invalid_argument("a U-Net needs at least 5 levels, got " +
                                std::to_string(num_downs));
  }
  const int64_t ngf = config.ngf;
  const std::string& norm = config.norm;

  // From the 1x1 bottleneck outwards: the innermost level, num_downs - 5 levels at 8 ngf with
  // dropout, then 8 -> 4 -> 2 -> 1 ngf, then the outermost level to the output channels.
  auto block = std::make_shared<UnetBlockImpl>(ngf * 8, ngf * 8, ngf * 8, UnetLevel::Innermost,
                                               nullptr, norm, false);
  for (int i = 0; i < num_downs - 5; ++i) {
    block = std::make_shared<UnetBlockImpl>(ngf * 8, ngf * 8, ngf * 8, UnetLevel::Middle, block,
                                            norm, config.use_dropout);
  }
  for (const int64_t mult : {4, 2, 1}) {
    block = std::make_shared<UnetBlockImpl>(ngf * mult, ngf * mult * 2, ngf * mult,
                                            UnetLevel::Middle, block, norm, false);
  }
  block = std::make_shared<UnetBlockImpl>(config.output_nc, ngf, config.input_nc,
                                          UnetLevel::Outermost, block, norm, false);
  block_ = register_module("block", UnetBlock(block));
}

torch::Tensor UnetGeneratorImpl::forward(torch::Tensor input) {
  check_input(input, config_.input_nc, size_multiple(), config_.arch);
  return block_->forward(input);
}

std::map<std::string, std::string> UnetGeneratorImpl::reference_module_names() const {
  std::map<std::string, std::string> names;
  block_->reference_names("block.", "model.model.", names);
  return names;
}

}  // namespace pix2pix
