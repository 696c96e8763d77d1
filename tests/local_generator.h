#pragma once

#include <torch/torch.h>

#include <map>
#include <stdexcept>
#include <string>

#include "pix2pix/networks.h"

namespace pix2pix_test {

// A small generator with a known receptive field (two 3x3 convolutions: 2 pixels each way) and
// a chosen size multiple, so that padding and tiling are checked independently of the networks.
class LocalGeneratorImpl : public pix2pix::GeneratorImpl {
 public:
  explicit LocalGeneratorImpl(int64_t multiple) : multiple_(multiple) {
    torch::manual_seed(7);  // the same weights in every test
    conv1_ =
        register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 8, 3).padding(1)));
    conv2_ =
        register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(8, 3, 3).padding(1)));
  }
  torch::Tensor forward(torch::Tensor input) override {
    if (input.size(2) % multiple_ != 0 || input.size(3) % multiple_ != 0) {
      throw std::invalid_argument("size not a multiple");
    }
    return torch::tanh(conv2_(torch::tanh(conv1_(input))));
  }
  int64_t size_multiple() const override { return multiple_; }
  std::map<std::string, std::string> reference_module_names() const override { return {}; }
  const pix2pix::GeneratorConfig& config() const override { return config_; }

 private:
  int64_t multiple_;
  pix2pix::GeneratorConfig config_;
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr};
};

}  // namespace pix2pix_test
