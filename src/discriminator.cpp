// The PatchGAN discriminators: n-layer (70x70 for n_layers 3) and 1x1 (PixelGAN).
#include <algorithm>
#include <stdexcept>

#include "pix2pix/network_modules.h"

namespace pix2pix {
namespace {

namespace nn = torch::nn;

nn::Conv2d conv(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding,
                bool bias) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding).bias(bias));
}

}  // namespace

ConvNormImpl::ConvNormImpl(int64_t in, int64_t out, int64_t stride, const std::string& norm) {
  conv_ = register_module("conv", conv(in, out, 4, stride, 1, conv_bias_before(norm)));
  norm_ = make_norm(norm, out);
  if (!norm_.is_empty()) register_module("norm", norm_.ptr());
}

torch::Tensor ConvNormImpl::forward(torch::Tensor x) {
  x = conv_->forward(x);
  if (!norm_.is_empty()) x = norm_.forward(x);
  return torch::leaky_relu(x, 0.2);
}

NLayerDiscriminatorImpl::NLayerDiscriminatorImpl(const DiscriminatorConfig& config)
    : config_(config) {
  if (config.n_layers < 1) {
    throw std::invalid_argument("n_layers_D must be at least 1, got " +
                                std::to_string(config.n_layers));
  }
  const int64_t ndf = config.ndf;
  auto width = [&](int k) { return ndf * (int64_t{1} << std::min(k, 3)); };  // ndf * min(2^k, 8)

  // ndf, then n_layers - 1 stride-2 stages doubling the channels (at most 8 ndf), one stride-1
  // stage, and a stride-1 conv to one channel of logits.
  in_conv_ = register_module("in_conv", conv(config.input_nc, ndf, 4, 2, 1, true));
  blocks_ = register_module("blocks", nn::ModuleList());
  for (int k = 0; k < config.n_layers; ++k) {
    const int64_t stride = k + 1 < config.n_layers ? 2 : 1;
    blocks_->push_back(ConvNorm(width(k), width(k + 1), stride, config.norm));
  }
  out_conv_ = register_module("out_conv", conv(width(config.n_layers), 1, 4, 1, 1, true));
}

torch::Tensor NLayerDiscriminatorImpl::forward(torch::Tensor input) {
  check_input(input, config_.input_nc, 1, "discriminator");
  torch::Tensor x = torch::leaky_relu(in_conv_->forward(input), 0.2);
  for (const auto& block : *blocks_) x = block->as<ConvNormImpl>()->forward(x);
  return out_conv_->forward(x);
}

std::map<std::string, std::string> NLayerDiscriminatorImpl::reference_module_names() const {
  // The reference's Sequential: conv, lrelu, (conv, norm, lrelu) x n_layers, conv.
  std::map<std::string, std::string> names;
  auto at = [](int index) { return "model." + std::to_string(index); };
  names["in_conv"] = at(0);
  for (int k = 0; k < config_.n_layers; ++k) {
    const std::string ours = "blocks." + std::to_string(k) + ".";
    names[ours + "conv"] = at(2 + 3 * k);
    if (config_.norm == "batch") names[ours + "norm"] = at(3 + 3 * k);
  }
  names["out_conv"] = at(2 + 3 * config_.n_layers);
  return names;
}

PixelDiscriminatorImpl::PixelDiscriminatorImpl(const DiscriminatorConfig& config)
    : config_(config) {
  const int64_t ndf = config.ndf;
  const bool bias = conv_bias_before(config.norm);
  in_conv_ = register_module("in_conv", conv(config.input_nc, ndf, 1, 1, 0, true));
  conv_ = register_module("conv", conv(ndf, ndf * 2, 1, 1, 0, bias));
  norm_ = make_norm(config.norm, ndf * 2);
  if (!norm_.is_empty()) register_module("norm", norm_.ptr());
  // No bias with batch norm, though nothing normalises after it: the reference's choice.
  out_conv_ = register_module("out_conv", conv(ndf * 2, 1, 1, 1, 0, bias));
}

torch::Tensor PixelDiscriminatorImpl::forward(torch::Tensor input) {
  check_input(input, config_.input_nc, 1, "discriminator");
  torch::Tensor x = torch::leaky_relu(in_conv_->forward(input), 0.2);
  x = conv_->forward(x);
  if (!norm_.is_empty()) x = norm_.forward(x);
  return out_conv_->forward(torch::leaky_relu(x, 0.2));
}

std::map<std::string, std::string> PixelDiscriminatorImpl::reference_module_names() const {
  // The reference's Sequential (named `net`): conv, lrelu, conv, norm, lrelu, conv.
  std::map<std::string, std::string> names{
      {"in_conv", "net.0"}, {"conv", "net.2"}, {"out_conv", "net.5"}};
  if (!norm_.is_empty()) names["norm"] = "net.3";
  return names;
}

}  // namespace pix2pix
