#include <gtest/gtest.h>

#include <cmath>

#include "pix2pix/metrics.h"

namespace {

// 8-bit values -> the [-1, 1] range the metrics take.
torch::Tensor from_8bit(const torch::Tensor& values) {
  return values.to(torch::kFloat32) / 127.5 - 1;
}

// The pattern and noise that tests/ reference values were computed from with numpy (a direct
// per-window loop of Wang et al.'s formula, float64): a[c][y][x] = (4x + 6y + 50c) mod 256 and
// b = clip(a + ((31x + 17y + 5c) mod 21) - 10, 0, 255), 3x24x32.
torch::Tensor pattern() {
  auto c = torch::arange(3).view({3, 1, 1});
  auto y = torch::arange(24).view({1, 24, 1});
  auto x = torch::arange(32).view({1, 1, 32});
  return (4 * x + 6 * y + 50 * c).remainder(256).to(torch::kFloat64);
}

torch::Tensor noisy_pattern() {
  auto c = torch::arange(3).view({3, 1, 1});
  auto y = torch::arange(24).view({1, 24, 1});
  auto x = torch::arange(32).view({1, 1, 32});
  auto noise = (31 * x + 17 * y + 5 * c).remainder(21) - 10;
  return (pattern() + noise).clamp(0, 255);
}

}  // namespace

TEST(Metrics, IdenticalImages) {
  const auto a = from_8bit(pattern());
  EXPECT_DOUBLE_EQ(pix2pix::l1_distance(a, a), 0.0);
  EXPECT_TRUE(std::isinf(pix2pix::psnr(a, a)));
  EXPECT_NEAR(pix2pix::ssim(a, a), 1.0, 1e-12);
}

TEST(Metrics, NoisyPatternMatchesNumpyReference) {
  const auto a = from_8bit(pattern()), b = from_8bit(noisy_pattern());
  EXPECT_NEAR(pix2pix::ssim(a, b), 0.910140984096, 1e-9);
  EXPECT_NEAR(pix2pix::psnr(a, b), 32.562807250894, 1e-9);
  EXPECT_NEAR(pix2pix::l1_distance(a, b), 0.040580746187, 1e-6);  // float32 inputs
  // An inverted image is structurally anti-correlated: SSIM below zero.
  const auto inverted = from_8bit(255 - pattern());
  EXPECT_NEAR(pix2pix::ssim(a, inverted), -0.443312704041, 1e-9);
}

TEST(Metrics, ConstantImagesByHand) {
  // Zero variance leaves only the luminance term: (2 m n + C1) / (m^2 + n^2 + C1).
  const auto a = from_8bit(torch::full({1, 16, 16}, 100.0));
  const auto b = from_8bit(torch::full({1, 16, 16}, 120.0));
  const double c1 = (0.01 * 255) * (0.01 * 255);
  EXPECT_NEAR(pix2pix::ssim(a, b), (2 * 100 * 120 + c1) / (100 * 100 + 120 * 120 + c1), 1e-12);
  EXPECT_NEAR(pix2pix::psnr(a, b), 10 * std::log10(255.0 * 255.0 / 400.0), 1e-9);
  EXPECT_NEAR(pix2pix::l1_distance(a, b), 20 / 127.5, 1e-6);
}

TEST(Metrics, QuantisesLikeAWrittenImage) {
  // Differences below half an 8-bit step vanish in the written file, and so in PSNR.
  const auto a = torch::zeros({3, 12, 12});
  EXPECT_TRUE(std::isinf(pix2pix::psnr(a, a + 0.003)));
  EXPECT_NEAR(pix2pix::to_8bit_values(torch::tensor({-1.0, 0.0, 1.0, 1.5})).sum().item<double>(),
              0 + 128 + 255 + 255, 0);
}

TEST(Metrics, RejectsMismatchedShapesAndSmallImages) {
  const auto a = torch::zeros({3, 16, 16});
  EXPECT_THROW(pix2pix::psnr(a, torch::zeros({3, 16, 15})), std::invalid_argument);
  EXPECT_THROW(pix2pix::l1_distance(a, torch::zeros({1, 3, 16, 16})), std::invalid_argument);
  EXPECT_THROW(pix2pix::ssim(torch::zeros({3, 8, 16}), torch::zeros({3, 8, 16})),
               std::invalid_argument);
  const auto m = pix2pix::compare_images(torch::zeros({3, 8, 8}), torch::zeros({3, 8, 8}));
  EXPECT_TRUE(std::isnan(m.ssim));
  EXPECT_DOUBLE_EQ(m.l1, 0.0);
}

TEST(Metrics, IndependentNoiseHasNoStructureInCommon) {
  torch::manual_seed(1);
  const auto a = torch::rand({3, 256, 256}) * 2 - 1, b = torch::rand({3, 256, 256}) * 2 - 1;
  EXPECT_LT(std::abs(pix2pix::ssim(a, b)), 0.05);
  EXPECT_NEAR(pix2pix::ssim(a, a), 1.0, 1e-12);
}
