// The ResNet generator: a 7x7 stem, two stride-2 downsamplings, residual blocks, two
// upsamplings and a 7x7 output conv, with reflection padding.
#include "pix2pix/network_modules.h"

namespace pix2pix {
namespace {

namespace nn = torch::nn;

torch::Tensor pad(const torch::Tensor& x, int64_t p) {
  return torch::reflection_pad2d(x, {p, p, p, p});
}

torch::Tensor apply_norm(nn::AnyModule& norm, const torch::Tensor& x) {
  return norm.is_empty() ? x : norm.forward(x);
}

}  // namespace

ResnetBlockImpl::ResnetBlockImpl(int64_t dim, const std::string& norm, bool use_dropout) {
  const bool bias = conv_bias_before(norm);
  conv1_ = register_module("conv1", nn::Conv2d(nn::Conv2dOptions(dim, dim, 3).bias(bias)));
  norm1_ = make_norm(norm, dim);
  if (!norm1_.is_empty()) register_module("norm1", norm1_.ptr());
  if (use_dropout) dropout_ = register_module("dropout", nn::Dropout(0.5));
  conv2_ = register_module("conv2", nn::Conv2d(nn::Conv2dOptions(dim, dim, 3).bias(bias)));
  norm2_ = make_norm(norm, dim);
  if (!norm2_.is_empty()) register_module("norm2", norm2_.ptr());
}

torch::Tensor ResnetBlockImpl::forward(torch::Tensor x) {
  torch::Tensor y = torch::relu(apply_norm(norm1_, conv1_->forward(pad(x, 1))));
  if (dropout_) y = dropout_->forward(y);
  y = apply_norm(norm2_, conv2_->forward(pad(y, 1)));
  return x + y;
}

ResnetGeneratorImpl::ResnetGeneratorImpl(const GeneratorConfig& config, int n_blocks)
    : config_(config), n_blocks_(n_blocks) {
  const int64_t ngf = config.ngf;
  const std::string& norm = config.norm;
  const bool bias = conv_bias_before(norm);
  auto add_norm = [&](const std::string& name, int64_t channels) {
    nn::AnyModule module = make_norm(norm, channels);
    if (!module.is_empty()) register_module(name, module.ptr());
    return module;
  };

  // stem and downsampling: ngf -> 2 ngf -> 4 ngf
  in_conv_ =
      register_module("in_conv", nn::Conv2d(nn::Conv2dOptions(config.input_nc, ngf, 7).bias(bias)));
  in_norm_ = add_norm("in_norm", ngf);
  down1_ = register_module(
      "down1", nn::Conv2d(nn::Conv2dOptions(ngf, ngf * 2, 3).stride(2).padding(1).bias(bias)));
  down1_norm_ = add_norm("down1_norm", ngf * 2);
  down2_ = register_module(
      "down2", nn::Conv2d(nn::Conv2dOptions(ngf * 2, ngf * 4, 3).stride(2).padding(1).bias(bias)));
  down2_norm_ = add_norm("down2_norm", ngf * 4);

  blocks_ = register_module("blocks", nn::ModuleList());
  for (int i = 0; i < n_blocks; ++i) {
    blocks_->push_back(ResnetBlock(ngf * 4, norm, config.use_dropout));
  }

  // upsampling: 4 ngf -> 2 ngf -> ngf, then the output conv (always with a bias)
  auto up = [&](int64_t in, int64_t out) {
    return nn::ConvTranspose2d(
        nn::ConvTranspose2dOptions(in, out, 3).stride(2).padding(1).output_padding(1).bias(bias));
  };
  up1_ = register_module("up1", up(ngf * 4, ngf * 2));
  up1_norm_ = add_norm("up1_norm", ngf * 2);
  up2_ = register_module("up2", up(ngf * 2, ngf));
  up2_norm_ = add_norm("up2_norm", ngf);
  out_conv_ = register_module("out_conv", nn::Conv2d(nn::Conv2dOptions(ngf, config.output_nc, 7)));
}

torch::Tensor ResnetGeneratorImpl::forward(torch::Tensor input) {
  check_input(input, config_.input_nc, size_multiple(), config_.arch);

  torch::Tensor x = torch::relu(apply_norm(in_norm_, in_conv_->forward(pad(input, 3))));
  x = torch::relu(apply_norm(down1_norm_, down1_->forward(x)));
  x = torch::relu(apply_norm(down2_norm_, down2_->forward(x)));  // [N, 4 ngf, H/4, W/4]
  for (const auto& block : *blocks_) x = block->as<ResnetBlockImpl>()->forward(x);
  x = torch::relu(apply_norm(up1_norm_, up1_->forward(x)));
  x = torch::relu(apply_norm(up2_norm_, up2_->forward(x)));
  return torch::tanh(out_conv_->forward(pad(x, 3)));
}

std::map<std::string, std::string> ResnetGeneratorImpl::reference_module_names() const {
  // The reference's Sequential: pad, conv, norm, relu, (conv, norm, relu) x 2, n blocks,
  // (convT, norm, relu) x 2, pad, conv, tanh; inside a block: pad, conv, norm, relu, [dropout],
  // pad, conv, norm.
  std::map<std::string, std::string> names;
  auto at = [](int index) { return "model." + std::to_string(index); };
  const bool has_norm = !in_norm_.is_empty();
  const int n = n_blocks_;

  names["in_conv"] = at(1);
  names["down1"] = at(4);
  names["down2"] = at(7);
  names["up1"] = at(10 + n);
  names["up2"] = at(13 + n);
  names["out_conv"] = at(17 + n);
  if (has_norm) {
    names["in_norm"] = at(2);
    names["down1_norm"] = at(5);
    names["down2_norm"] = at(8);
    names["up1_norm"] = at(11 + n);
    names["up2_norm"] = at(14 + n);
  }
  const int shift = config_.use_dropout ? 1 : 0;
  for (int i = 0; i < n; ++i) {
    const std::string ours = "blocks." + std::to_string(i) + ".";
    const std::string theirs = at(10 + i) + ".conv_block.";
    names[ours + "conv1"] = theirs + "1";
    names[ours + "conv2"] = theirs + std::to_string(5 + shift);
    if (has_norm) {
      names[ours + "norm1"] = theirs + "2";
      names[ours + "norm2"] = theirs + std::to_string(6 + shift);
    }
  }
  return names;
}

}  // namespace pix2pix
