#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <string>

#include "pix2pix/networks.h"

namespace pix2pix {
namespace {

namespace nn = torch::nn;

constexpr int64_t kLargeLayer = 100000;  // layers with at least this many weights are checked
constexpr double kTolerance = 0.05;      // relative, on the standard deviation

struct Layer {
  std::string name;
  torch::Tensor weight;
  torch::Tensor bias;
  bool transposed;
};

// Every Conv and ConvTranspose of `module`, at any depth.
std::vector<Layer> conv_layers(nn::Module& module) {
  std::vector<Layer> layers;
  for (const auto& item : module.named_modules()) {
    if (auto* conv = item.value()->as<nn::Conv2dImpl>()) {
      layers.push_back({item.key(), conv->weight, conv->bias, false});
    } else if (auto* up = item.value()->as<nn::ConvTranspose2dImpl>()) {
      layers.push_back({item.key(), up->weight, up->bias, true});
    }
  }
  return layers;
}

double fan(const torch::Tensor& w, bool in) {
  return static_cast<double>((in ? w.size(1) : w.size(0)) * w.size(2) * w.size(3));
}

// The standard deviation each init type should give a weight (mean 0 for all of them).
double expected_std(const std::string& type, const torch::Tensor& w, double gain) {
  const double fan_in = fan(w, true);
  const double fan_out = fan(w, false);
  if (type == "normal") return gain;
  if (type == "xavier") return gain * std::sqrt(2.0 / (fan_in + fan_out));
  if (type == "xavier_uniform") return gain * std::sqrt(6.0 / (fan_in + fan_out)) / std::sqrt(3.0);
  if (type == "kaiming") return std::sqrt(2.0) / std::sqrt(fan_in);  // a = 0, fan_in
  if (type == "kaiming_uniform") return std::sqrt(2.0) * std::sqrt(3.0 / fan_in) / std::sqrt(3.0);
  if (type == "uniform") return gain / std::sqrt(3.0);  // U(-gain, gain)
  if (type == "orthogonal") {
    // rows (or columns) of the weight flattened to [size(0), rest] are orthonormal, times gain
    return gain / std::sqrt(static_cast<double>(std::max(w.size(0), w[0].numel())));
  }
  ADD_FAILURE() << "no expectation for " << type;
  return 0.0;
}

class InitTest : public ::testing::TestWithParam<std::string> {};

TEST_P(InitTest, LargeLayersFollowTheFormula) {
  const std::string type = GetParam();
  const double gain = 0.5;  // not the default, so that ignoring the gain fails
  torch::manual_seed(3);
  GeneratorConfig config;
  config.ngf = 16;  // large layers at every level from 4 ngf inwards
  auto g = make_generator(config);
  init_weights(*g, type, gain);

  int n_checked = 0;
  int n_transposed = 0;
  int deepest = 0;
  for (const auto& layer : conv_layers(*g)) {
    if (layer.bias.defined()) {
      EXPECT_EQ(layer.bias.abs().max().item<float>(), 0.0f) << layer.name;
    }
    if (layer.weight.numel() < kLargeLayer) continue;

    const double want = expected_std(type, layer.weight, gain);
    const double std = layer.weight.std().item<double>();
    const double mean = layer.weight.mean().item<double>();
    EXPECT_NEAR(std, want, kTolerance * want) << type << " " << layer.name;
    EXPECT_NEAR(mean, 0.0, kTolerance * want) << type << " " << layer.name;
    ++n_checked;
    n_transposed += layer.transposed ? 1 : 0;
    int depth = 0;
    for (size_t at = layer.name.find("inner"); at != std::string::npos;
         at = layer.name.find("inner", at + 1)) {
      ++depth;
    }
    deepest = std::max(deepest, depth);
  }
  // the large layers include ConvTranspose layers and the deepest levels
  EXPECT_GE(n_checked, 10);
  EXPECT_GE(n_transposed, 5);
  EXPECT_EQ(deepest, 7);
}

INSTANTIATE_TEST_SUITE_P(AllTypes, InitTest,
                         ::testing::Values("normal", "xavier", "xavier_uniform", "kaiming",
                                           "kaiming_uniform", "orthogonal", "uniform"));

TEST(InitWeightsTest, BatchNormWeightsAreNormalAroundOne) {
  torch::manual_seed(4);
  GeneratorConfig config;
  config.ngf = 64;
  config.arch = "unet_128";
  auto g = make_generator(config);
  init_weights(*g, "normal", 0.02);

  std::vector<torch::Tensor> weights;
  for (const auto& item : g->named_modules()) {
    if (auto* norm = item.value()->as<nn::BatchNorm2dImpl>()) {
      weights.push_back(norm->weight.flatten());
      EXPECT_EQ(norm->bias.abs().max().item<float>(), 0.0f) << item.key();
    }
  }
  ASSERT_EQ(weights.size(), 11u);  // 6 levels with two norms, minus the innermost's down norm
  const torch::Tensor all = torch::cat(weights);
  EXPECT_NEAR(all.mean().item<double>(), 1.0, 0.002);
  EXPECT_NEAR(all.std().item<double>(), 0.02, 0.05 * 0.02);
}

TEST(InitWeightsTest, OrthogonalRowsAreOrthonormal) {
  torch::manual_seed(5);
  nn::Sequential net(nn::Conv2d(nn::Conv2dOptions(16, 8, 3)), nn::Linear(20, 10));
  init_weights(*net.ptr(), "orthogonal", 1.5);
  const auto w = net[0]->as<nn::Conv2dImpl>()->weight.reshape({8, -1});  // [8, 144]
  EXPECT_TRUE(torch::allclose(torch::mm(w, w.t()), 2.25 * torch::eye(8), 1e-4, 1e-4));
  const auto l = net[1]->as<nn::LinearImpl>()->weight;  // [10, 20]
  EXPECT_TRUE(torch::allclose(torch::mm(l, l.t()), 2.25 * torch::eye(10), 1e-4, 1e-4));
}

TEST(InitWeightsTest, ConstantZerosAndLinearLayers) {
  nn::Sequential net(nn::Linear(50, 40), nn::ConvTranspose2d(nn::ConvTranspose2dOptions(4, 2, 3)),
                     nn::BatchNorm2d(2));
  init_weights(*net.ptr(), "constant", 0.25);
  EXPECT_TRUE(torch::all(net[0]->as<nn::LinearImpl>()->weight == 0.25).item<bool>());
  EXPECT_TRUE(torch::all(net[0]->as<nn::LinearImpl>()->bias == 0).item<bool>());
  EXPECT_TRUE(torch::all(net[1]->as<nn::ConvTranspose2dImpl>()->weight == 0.25).item<bool>());
  init_weights(*net.ptr(), "zeros", 0.02);
  EXPECT_TRUE(torch::all(net[1]->as<nn::ConvTranspose2dImpl>()->weight == 0).item<bool>());
}

TEST(InitWeightsTest, KaimingFanOutAndSlope) {
  torch::manual_seed(6);
  nn::Sequential net(nn::Conv2d(nn::Conv2dOptions(64, 512, 4)));  // fan_in 1024, fan_out 8192
  InitConfig config;
  config.type = "kaiming";
  config.fan_mode = "fan_out";
  config.kaiming_a = 0.2;
  init_weights(*net.ptr(), config);
  const double want = std::sqrt(2.0 / 1.04) / std::sqrt(8192.0);
  EXPECT_NEAR(net[0]->as<nn::Conv2dImpl>()->weight.std().item<double>(), want, 0.02 * want);

  config.type = "uniform";
  config.uniform_low = 1.0;
  config.uniform_high = 3.0;
  init_weights(*net.ptr(), config);
  const auto w = net[0]->as<nn::Conv2dImpl>()->weight;
  EXPECT_GE(w.min().item<float>(), 1.0f);
  EXPECT_LE(w.max().item<float>(), 3.0f);
  EXPECT_NEAR(w.mean().item<double>(), 2.0, 0.01);
}

TEST(InitWeightsTest, NonlinearityGains) {
  EXPECT_DOUBLE_EQ(nonlinearity_gain("relu"), std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(nonlinearity_gain("leaky_relu", 0.2), std::sqrt(2.0 / 1.04));
  EXPECT_DOUBLE_EQ(nonlinearity_gain("tanh"), 5.0 / 3.0);
  EXPECT_DOUBLE_EQ(nonlinearity_gain("linear"), 1.0);
  EXPECT_THROW(nonlinearity_gain("swish"), std::invalid_argument);
}

TEST(InitWeightsTest, UnknownTypeThrowsAndChangesNothing) {
  nn::Sequential net(nn::Linear(4, 4));
  const auto before = net[0]->as<nn::LinearImpl>()->weight.clone();
  EXPECT_THROW(init_weights(*net.ptr(), "he", 0.02), std::invalid_argument);
  EXPECT_TRUE(torch::equal(before, net[0]->as<nn::LinearImpl>()->weight));
}

}  // namespace
}  // namespace pix2pix
