#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "pix2pix/model.h"

namespace {

double sigmoid(double x) {
  return 1.0 / (1.0 + std::exp(-x));
}
double softplus(double x) {
  return std::log1p(std::exp(x));
}

// G(a) = w * a, one weight.
struct ScaleG : pix2pix::GeneratorImpl {
  ScaleG() { w = register_parameter("w", torch::ones({1})); }
  torch::Tensor forward(torch::Tensor a) override { return a * w; }
  int64_t size_multiple() const override { return 1; }
  std::map<std::string, std::string> reference_module_names() const override { return {}; }
  const pix2pix::GeneratorConfig& config() const override { return config_; }
  torch::Tensor w;
  pix2pix::GeneratorConfig config_;
};

// D(a, b) = u * a + v * b + c per pixel.
struct LinearD : pix2pix::DiscriminatorImpl {
  LinearD() {
    u = register_parameter("u", torch::zeros({1}));
    v = register_parameter("v", torch::ones({1}));
    c = register_parameter("c", torch::zeros({1}));
  }
  torch::Tensor forward(torch::Tensor ab) override {
    return u * ab.slice(1, 0, 1) + v * ab.slice(1, 1, 2) + c;
  }
  std::map<std::string, std::string> reference_module_names() const override { return {}; }
  const pix2pix::DiscriminatorConfig& config() const override { return config_; }
  torch::Tensor u, v, c;
  pix2pix::DiscriminatorConfig config_;
};

}  // namespace

// One step on one 1x1 pair, A = 0.5, B = 0.2, lr 0.1, by hand:
//   fake B = 0.5; D(A, B) = 0.2, D(A, fake B) = 0.5
//   D_real = softplus(-0.2), D_fake = softplus(0.5), loss_D = (D_real + D_fake) / 2
//   dloss_D/dv = ½ (-B sigmoid(-0.2) + fake sigmoid(0.5)), the same with A for u and 1 for c;
//   all positive, so Adam's first step moves each by -lr: u = -0.1, v = 0.9, c = -0.1
//   then, D frozen: D(A, fake B) = -0.05 + 0.45 - 0.1 = 0.3
//   G_GAN = softplus(-0.3), G_L1 = λ |0.5 - 0.2| = 30
//   dloss_G/dw = -sigmoid(-0.3) v A + λ A, positive: w = 1 - 0.1
TEST(Model, OneStepMatchesTheHandComputedLosses) {
  pix2pix::Options options;
  options.lr = 0.1;
  auto G = std::make_shared<ScaleG>();
  auto D = std::make_shared<LinearD>();
  pix2pix::Pix2PixModel model(G, D, options, torch::kCPU);
  model.set_input(torch::full({1, 1, 1, 1}, 0.5), torch::full({1, 1, 1, 1}, 0.2));
  model.optimize_parameters();

  ASSERT_EQ(model.loss_names(), (std::vector<std::string>{"G_GAN", "G_L1", "D_real", "D_fake"}));
  const auto losses = model.losses();
  EXPECT_NEAR(losses[0].item<double>(), softplus(-0.3), 1e-5);
  EXPECT_NEAR(losses[1].item<double>(), 100.0 * 0.3, 1e-4);
  EXPECT_NEAR(losses[2].item<double>(), softplus(-0.2), 1e-6);
  EXPECT_NEAR(losses[3].item<double>(), softplus(0.5), 1e-6);

  // D's gradients, left from the D step since D was frozen for G's: they carry the ½
  const double s_real = sigmoid(-0.2), s_fake = sigmoid(0.5);
  EXPECT_NEAR(D->v.grad().item<double>(), 0.5 * (-0.2 * s_real + 0.5 * s_fake), 1e-6);
  EXPECT_NEAR(D->u.grad().item<double>(), 0.5 * (-0.5 * s_real + 0.5 * s_fake), 1e-6);
  EXPECT_NEAR(D->c.grad().item<double>(), 0.5 * (-s_real + s_fake), 1e-6);
  EXPECT_NEAR(D->u.item<double>(), -0.1, 1e-5);
  EXPECT_NEAR(D->v.item<double>(), 0.9, 1e-5);
  EXPECT_NEAR(D->c.item<double>(), -0.1, 1e-5);

  // G's gradient carries λ, and saw the updated D
  EXPECT_NEAR(G->w.grad().item<double>(), -sigmoid(-0.3) * 0.9 * 0.5 + 100.0 * 0.5, 1e-4);
  EXPECT_NEAR(G->w.item<double>(), 0.9, 1e-5);
}

TEST(Model, LsganAndWganLossesAndTheirNames) {
  pix2pix::Options options;
  options.gan_mode = "lsgan";
  pix2pix::Pix2PixModel lsgan(std::make_shared<ScaleG>(), std::make_shared<LinearD>(), options,
                              torch::kCPU);
  lsgan.set_input(torch::full({1, 1, 1, 1}, 0.5), torch::full({1, 1, 1, 1}, 0.2));
  lsgan.optimize_parameters();
  const auto l = lsgan.losses();
  EXPECT_NEAR(l[2].item<double>(), (0.2 - 1) * (0.2 - 1), 1e-6);  // D_real: (D(A, B) - 1)^2
  EXPECT_NEAR(l[3].item<double>(), 0.5 * 0.5, 1e-6);              // D_fake: D(A, fake)^2

  options.gan_mode = "wgangp";
  pix2pix::Pix2PixModel wgan(std::make_shared<ScaleG>(), std::make_shared<LinearD>(), options,
                             torch::kCPU);
  EXPECT_EQ(wgan.loss_names().back(), "D_GP");
  wgan.set_input(torch::full({2, 1, 4, 4}, 0.5), torch::full({2, 1, 4, 4}, 0.2));
  wgan.optimize_parameters();
  const auto w = wgan.losses();
  ASSERT_EQ(w.size(0), 5);
  EXPECT_NEAR(w[2].item<double>(), -0.2, 1e-6);
  EXPECT_NEAR(w[3].item<double>(), 0.5, 1e-6);
  // |grad D| over 2 x 4 x 4 inputs of which 1 channel x 16 pixels have weight u = 0, the other
  // channel v = 1: norm = sqrt(16) = 4 -> 10 (4 - 1)^2 = 90
  EXPECT_NEAR(w[4].item<double>(), 90.0, 1e-3);
}
