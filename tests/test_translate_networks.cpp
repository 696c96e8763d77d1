#include <gtest/gtest.h>

#include "pix2pix/networks.h"
#include "pix2pix/translate.h"

namespace {

// Untrained generators with LibTorch's default initialisation (stronger signals than the
// training's N(0, 0.02), so that differences show), in eval mode: BatchNorm then applies its
// running statistics, the same for a tile as for the whole image.
pix2pix::Generator tiny_generator(const std::string& arch) {
  pix2pix::GeneratorConfig config;
  config.arch = arch;
  config.ngf = 8;
  config.norm = "batch";
  config.use_dropout = false;
  torch::manual_seed(11);
  auto generator = pix2pix::make_generator(config);
  generator->eval();
  return generator;
}

torch::Tensor random_images(int64_t h, int64_t w) {
  torch::manual_seed(5);
  // Smooth content: random values on a coarse grid, upsampled, like a photograph's structure.
  namespace F = torch::nn::functional;
  const auto coarse = torch::rand({1, 3, h / 8 + 1, w / 8 + 1}) * 2 - 1;
  return F::interpolate(coarse, F::InterpolateFuncOptions()
                                    .size(std::vector<int64_t>{h, w})
                                    .mode(torch::kBilinear)
                                    .align_corners(false));
}

}  // namespace

TEST(TranslateNetworks, UnetOutputsKeepTheirOwnSizes) {
  auto g = tiny_generator("unet_256");
  for (auto [h, w] : {std::pair<int64_t, int64_t>{200, 300}, {768, 1024}}) {
    const auto out = pix2pix::translate(*g, random_images(h, w), {}, torch::kCPU);
    EXPECT_EQ(out.sizes(), torch::IntArrayRef({1, 3, h, w}));
    EXPECT_LE(out.abs().max().item<float>(), 1.0f);
  }
}

TEST(TranslateNetworks, UnetPaddedRunAgreesWithARunOnThePaddedImage) {
  auto g = tiny_generator("unet_256");
  const auto x = random_images(200, 300);
  const auto out = pix2pix::translate(*g, x, {}, torch::kCPU);

  // 200 x 300 -> 256 x 512: 28 rows and 106 columns of reflection on each side.
  namespace F = torch::nn::functional;
  torch::NoGradGuard no_grad;
  const auto padded = F::pad(x, F::PadFuncOptions({106, 106, 28, 28}).mode(torch::kReflect));
  const auto expected = g->forward(padded).narrow(2, 28, 200).narrow(3, 106, 300);
  EXPECT_TRUE(torch::allclose(out, expected, 0, 1e-5));
}

// The ResNet generator's receptive field is bounded (about 60 pixels each way for 6 blocks), so
// tiles whose overlap is wider than that agree with the whole image away from the seams. A U-Net
// sees the whole image through its bottleneck; tiles change its output everywhere.
TEST(TranslateNetworks, ResnetTilesAgreeWithTheWholeImageAwayFromSeams) {
  auto g = tiny_generator("resnet_6blocks");
  const auto x = random_images(300, 420);
  const auto whole = pix2pix::translate(*g, x, {}, torch::kCPU);
  pix2pix::TranslateSettings tiled;
  tiled.tile = 256;
  tiled.tile_overlap = 128;
  const auto out = pix2pix::translate(*g, x, tiled, torch::kCPU);
  ASSERT_EQ(out.sizes(), whole.sizes());
  const auto diff = (out - whole).abs().amax({0, 1});  // [H, W]

  // Pixels at least `margin` from every tile edge that lies inside the image see the same
  // context in their tiles as in the whole image. Rows: tiles at 0 and 44, inner edges 44 and
  // 256; columns: tiles at 0, 82 and 164, inner edges 82, 164, 256 and 338.
  const int64_t margin = 72;
  auto far_along = [margin](int64_t length) {
    auto far = torch::ones({length}, torch::kBool);
    for (int64_t s : pix2pix::tile_starts(length, 256, 128)) {
      for (int64_t edge : {s, s + 256}) {
        if (edge <= 0 || edge >= length) continue;
        const int64_t from = std::max<int64_t>(0, edge - margin);
        far.narrow(0, from, std::min(length, edge + margin) - from).fill_(false);
      }
    }
    return far;
  };
  const auto far = far_along(300).view({-1, 1}).logical_and(far_along(420).view({1, -1}));
  ASSERT_GT(far.sum().item<int64_t>(), 1000);
  const float far_max = diff.masked_select(far).max().item<float>();
  const float overall_mean = diff.mean().item<float>();
  const float overall_max = diff.max().item<float>();
  RecordProperty("far_from_seams_max", std::to_string(far_max));
  RecordProperty("overall_mean", std::to_string(overall_mean));
  std::cout << "resnet tiles vs whole: max " << far_max << " away from seams, mean " << overall_mean
            << ", max " << overall_max << " overall ([-1, 1] units)\n";
  EXPECT_LT(far_max, 1e-4f);
  EXPECT_LT(overall_mean, 2e-3f);  // under a quarter of one 8-bit level on average
}
