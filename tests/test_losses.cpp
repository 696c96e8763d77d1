#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "pix2pix/losses.h"

namespace {

// D(x) = 1x1 convolution: its gradient with respect to x is the weight at every pixel.
struct LinearD : pix2pix::DiscriminatorImpl {
  explicit LinearD(std::vector<float> weights) {
    conv = register_module(
        "conv",
        torch::nn::Conv2d(
            torch::nn::Conv2dOptions(static_cast<int64_t>(weights.size()), 1, 1).bias(false)));
    torch::NoGradGuard no_grad;
    conv->weight.copy_(torch::tensor(weights).reshape({1, -1, 1, 1}));
  }
  torch::Tensor forward(torch::Tensor x) override { return conv->forward(x); }
  std::map<std::string, std::string> reference_module_names() const override { return {}; }
  const pix2pix::DiscriminatorConfig& config() const override { return config_; }
  torch::nn::Conv2d conv{nullptr};
  pix2pix::DiscriminatorConfig config_;
};

}  // namespace

TEST(Losses, VanillaIsBinaryCrossEntropyOnLogits) {
  const pix2pix::GANLoss loss("vanilla");
  const auto logits = torch::tensor({0.0f, 2.0f}).reshape({1, 1, 1, 2});
  // real: mean(log(1 + e^-x)); fake: mean(log(1 + e^x))
  const double real = (std::log(2.0) + std::log1p(std::exp(-2.0))) / 2;
  const double fake = (std::log(2.0) + std::log1p(std::exp(2.0))) / 2;
  EXPECT_NEAR(loss(logits, true).item<double>(), real, 1e-6);
  EXPECT_NEAR(loss(logits, false).item<double>(), fake, 1e-6);
}

TEST(Losses, LsganIsSquaredErrorToOneOrZero) {
  const pix2pix::GANLoss loss("lsgan");
  const auto logits = torch::tensor({1.0f, 2.0f}).reshape({1, 1, 1, 2});
  EXPECT_NEAR(loss(logits, true).item<double>(), (0.0 + 1.0) / 2, 1e-6);
  EXPECT_NEAR(loss(logits, false).item<double>(), (1.0 + 4.0) / 2, 1e-6);
}

TEST(Losses, WganIsTheSignedMean) {
  const pix2pix::GANLoss loss("wgangp");
  const auto logits = torch::tensor({1.0f, 3.0f}).reshape({1, 1, 1, 2});
  EXPECT_NEAR(loss(logits, true).item<double>(), -2.0, 1e-6);
  EXPECT_NEAR(loss(logits, false).item<double>(), 2.0, 1e-6);
}

TEST(Losses, UnknownModeIsRejected) {
  EXPECT_THROW(pix2pix::GANLoss("hinge"), std::invalid_argument);
}

TEST(Losses, GradientPenaltyOfALinearCritic) {
  // grad D = w at each of the H*W pixels, so |grad|_2 = sqrt(H * W * |w|^2) wherever D is taken.
  LinearD D({0.3f, -0.4f});  // |w|^2 = 0.25
  const auto real = torch::rand({3, 2, 4, 4});
  const auto fake = torch::rand({3, 2, 4, 4});
  const double norm = std::sqrt(16 * 0.25);  // 2
  const double expected = 10.0 * (norm - 1) * (norm - 1);
  const auto gp = pix2pix::gradient_penalty(D, real, fake, 10.0);
  EXPECT_NEAR(gp.item<double>(), expected, 1e-4);

  // It back-propagates into D: d/dw of 10 (sqrt(16 |w|^2) - 1)^2 = 10 * 2 (norm - 1) * 16 w / norm
  gp.backward();
  const auto grad = D.conv->weight.grad().flatten();
  EXPECT_NEAR(grad[0].item<double>(), 10.0 * 2 * (norm - 1) * 16 * 0.3 / norm, 1e-3);
  EXPECT_NEAR(grad[1].item<double>(), 10.0 * 2 * (norm - 1) * 16 * -0.4 / norm, 1e-3);
}
