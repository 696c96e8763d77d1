// Weight initialisation through module.apply.
#include <cmath>
#include <set>
#include <stdexcept>

#include "pix2pix/networks.h"

namespace pix2pix {
namespace {

namespace nn = torch::nn;

const std::set<std::string> kInitTypes{"normal",  "xavier",     "xavier_uniform",
                                       "kaiming", "orthogonal", "kaiming_uniform",
                                       "uniform", "constant",   "zeros"};

struct Fans {
  double in;
  double out;
};

// PyTorch's convention: dimension 1 is "in", dimension 0 is "out", times the kernel's area.
Fans fans(const torch::Tensor& weight) {
  if (weight.dim() < 2) {
    throw std::invalid_argument("fan in and fan out need a weight of 2 or more dimensions");
  }
  const double receptive = static_cast<double>(weight[0][0].numel());
  return {static_cast<double>(weight.size(1)) * receptive,
          static_cast<double>(weight.size(0)) * receptive};
}

void init_weight(torch::Tensor& weight, const InitConfig& config) {
  const std::string& type = config.type;
  if (type == "normal") {
    weight.normal_(0.0, config.gain);
  } else if (type == "xavier" || type == "xavier_uniform") {
    const Fans f = fans(weight);
    const double std = config.gain * std::sqrt(2.0 / (f.in + f.out));
    if (type == "xavier") {
      weight.normal_(0.0, std);
    } else {
      weight.uniform_(-std * std::sqrt(3.0), std * std::sqrt(3.0));
    }
  } else if (type == "kaiming" || type == "kaiming_uniform") {
    const Fans f = fans(weight);
    double fan = 0.0;
    if (config.fan_mode == "fan_in") {
      fan = f.in;
    } else if (config.fan_mode == "fan_out") {
      fan = f.out;
    } else {
      throw std::invalid_argument("unknown fan mode '" + config.fan_mode +
                                  "'; use fan_in or fan_out");
    }
    const double std = nonlinearity_gain(config.nonlinearity, config.kaiming_a) / std::sqrt(fan);
    if (type == "kaiming") {
      weight.normal_(0.0, std);
    } else {
      weight.uniform_(-std * std::sqrt(3.0), std * std::sqrt(3.0));
    }
  } else if (type == "orthogonal") {
    nn::init::orthogonal_(weight, config.gain);
  } else if (type == "uniform") {
    weight.uniform_(config.uniform_low, config.uniform_high);
  } else if (type == "constant") {
    weight.fill_(config.constant);
  } else if (type == "zeros") {
    weight.zero_();
  }
}

// The weight and bias of a Conv, ConvTranspose or Linear layer; null when `module` is none.
std::pair<torch::Tensor*, torch::Tensor*> weighted_layer(nn::Module& module) {
  if (auto* m = dynamic_cast<nn::Conv1dImpl*>(&module)) return {&m->weight, &m->bias};
  if (auto* m = dynamic_cast<nn::Conv2dImpl*>(&module)) return {&m->weight, &m->bias};
  if (auto* m = dynamic_cast<nn::Conv3dImpl*>(&module)) return {&m->weight, &m->bias};
  if (auto* m = dynamic_cast<nn::ConvTranspose1dImpl*>(&module)) return {&m->weight, &m->bias};
  if (auto* m = dynamic_cast<nn::ConvTranspose2dImpl*>(&module)) return {&m->weight, &m->bias};
  if (auto* m = dynamic_cast<nn::ConvTranspose3dImpl*>(&module)) return {&m->weight, &m->bias};
  if (auto* m = dynamic_cast<nn::LinearImpl*>(&module)) return {&m->weight, &m->bias};
  return {nullptr, nullptr};
}

std::pair<torch::Tensor*, torch::Tensor*> batch_norm(nn::Module& module) {
  if (auto* m = dynamic_cast<nn::BatchNorm1dImpl*>(&module)) return {&m->weight, &m->bias};
  if (auto* m = dynamic_cast<nn::BatchNorm2dImpl*>(&module)) return {&m->weight, &m->bias};
  if (auto* m = dynamic_cast<nn::BatchNorm3dImpl*>(&module)) return {&m->weight, &m->bias};
  return {nullptr, nullptr};
}

}  // namespace

double nonlinearity_gain(const std::string& nonlinearity, double slope) {
  if (nonlinearity == "linear" || nonlinearity == "conv" || nonlinearity == "sigmoid") return 1.0;
  if (nonlinearity == "tanh") return 5.0 / 3.0;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") return std::sqrt(2.0 / (1.0 + slope * slope));
  if (nonlinearity == "selu") return 3.0 / 4.0;
  throw std::invalid_argument("unknown nonlinearity '" + nonlinearity +
                              "'; use linear, conv, sigmoid, tanh, relu, leaky_relu or selu");
}

void init_weights(nn::Module& module, const InitConfig& config) {
  if (kInitTypes.count(config.type) == 0) {
    throw std::invalid_argument(
        "unknown init_type '" + config.type +
        "'; use normal, xavier, xavier_uniform, kaiming, kaiming_uniform, orthogonal, uniform, "
        "constant or zeros");
  }
  if (config.type.rfind("kaiming", 0) == 0) nonlinearity_gain(config.nonlinearity, 0.0);

  torch::NoGradGuard no_grad;
  module.apply([&](nn::Module& m) {
    auto [weight, bias] = weighted_layer(m);
    if (weight != nullptr) {
      init_weight(*weight, config);
      if (bias->defined()) bias->zero_();
      return;
    }
    auto [norm_weight, norm_bias] = batch_norm(m);
    if (norm_weight != nullptr && norm_weight->defined()) {
      norm_weight->normal_(1.0, config.gain);
      norm_bias->zero_();
    }
  });
}

void init_weights(nn::Module& module, const std::string& init_type, double init_gain) {
  InitConfig config;
  config.type = init_type;
  config.gain = init_gain;
  config.uniform_low = -init_gain;
  config.uniform_high = init_gain;
  config.constant = init_gain;
  init_weights(module, config);
}

}  // namespace pix2pix
