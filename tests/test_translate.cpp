#include <gtest/gtest.h>

#include "local_generator.h"
#include "pix2pix/translate.h"

namespace {

using pix2pix::Padding;

torch::Tensor random_images(int64_t n, int64_t h, int64_t w) {
  torch::manual_seed(3);
  return torch::rand({n, 3, h, w}) * 2 - 1;
}

}  // namespace

TEST(Translate, PaddingReachesTheMultipleEvenlySplit) {
  const Padding p = pix2pix::padding_for(200, 300, 256);
  EXPECT_EQ(p.top, 28);
  EXPECT_EQ(p.bottom, 28);
  EXPECT_EQ(p.left, 106);
  EXPECT_EQ(p.right, 106);
  const Padding odd = pix2pix::padding_for(61, 64, 4, 0, 70);
  EXPECT_EQ(odd.top, 1);
  EXPECT_EQ(odd.bottom, 2);
  EXPECT_EQ(odd.left + odd.right, 8);  // up to 70, then to the multiple 72
  const Padding none = pix2pix::padding_for(256, 512, 256);
  EXPECT_EQ(none.top + none.bottom + none.left + none.right, 0);
}

TEST(Translate, ReflectPadMatchesTorchAndKeepsReflectingPastTheEdge) {
  const auto x = random_images(2, 7, 9);
  namespace F = torch::nn::functional;
  const auto torch_padded =
      F::pad(x, F::PadFuncOptions({3, 5, 2, 6}).mode(torch::kReflect));  // left right top bottom
  EXPECT_TRUE(torch::equal(pix2pix::reflect_pad(x, {2, 6, 3, 5}), torch_padded));

  // A pad three times the width: indices 0 1 2 1 0 1 2 1 0 ... along a 3-pixel row.
  const auto row = torch::arange(3, torch::kFloat32).view({1, 1, 1, 3});
  const auto wide = pix2pix::reflect_pad(row, {0, 0, 4, 5});
  EXPECT_TRUE(torch::equal(wide.flatten(),
                           torch::tensor({0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1}, torch::kFloat32)));
  EXPECT_TRUE(torch::equal(pix2pix::crop(wide, {0, 0, 4, 5}), row));
}

TEST(Translate, TileStartsCoverEvenlyWithTheOverlap) {
  EXPECT_EQ(pix2pix::tile_starts(100, 128, 16), std::vector<int64_t>({0}));
  EXPECT_EQ(pix2pix::tile_starts(128, 128, 16), std::vector<int64_t>({0}));
  const auto starts = pix2pix::tile_starts(300, 128, 32);
  ASSERT_EQ(starts.size(), 3u);  // ceil((300 - 128) / 96) + 1
  EXPECT_EQ(starts.front(), 0);
  EXPECT_EQ(starts.back(), 300 - 128);
  for (size_t i = 1; i < starts.size(); ++i) EXPECT_GE(starts[i - 1] + 128 - starts[i], 32);
  EXPECT_THROW(pix2pix::tile_starts(300, 128, 128), std::invalid_argument);
}

TEST(Translate, FeatherRampRisesOnlyTowardsNeighbours) {
  const auto ramp = pix2pix::feather_ramp(8, 4, true, false);
  EXPECT_TRUE(torch::allclose(
      ramp, torch::tensor({0.125, 0.375, 0.625, 0.875, 1., 1., 1., 1.}, torch::kFloat32)));
  const auto both = pix2pix::feather_ramp(8, 4, true, true);
  EXPECT_FLOAT_EQ(both[7].item<float>(), 0.125f);
  EXPECT_FLOAT_EQ(both[0].item<float>(), 0.125f);
  EXPECT_TRUE(torch::equal(pix2pix::feather_ramp(8, 4, false, false), torch::ones({8})));
}

TEST(Translate, OutputKeepsTheInputSize) {
  auto g = std::make_shared<pix2pix_test::LocalGeneratorImpl>(16);
  g->eval();
  const pix2pix::TranslateSettings settings;
  for (auto [h, w] : {std::pair<int64_t, int64_t>{200, 300}, {61, 47}, {64, 64}}) {
    const auto out = pix2pix::translate(*g, random_images(2, h, w), settings, torch::kCPU);
    EXPECT_EQ(out.sizes(), torch::IntArrayRef({2, 3, h, w}));
  }
  pix2pix::TranslateSettings resized;
  resized.resize_to = 32;
  const auto out = pix2pix::translate(*g, random_images(1, 50, 70), resized, torch::kCPU);
  EXPECT_EQ(out.sizes(), torch::IntArrayRef({1, 3, 50, 70}));
}

TEST(Translate, PaddedRunAgreesWithARunOnThePaddedImage) {
  auto g = std::make_shared<pix2pix_test::LocalGeneratorImpl>(16);
  g->eval();
  const auto x = random_images(1, 50, 70);  // padded to 64 x 80: 7 + 7 rows, 5 + 5 columns
  const auto out = pix2pix::translate(*g, x, {}, torch::kCPU);
  namespace F = torch::nn::functional;
  torch::NoGradGuard no_grad;
  const auto padded = F::pad(x, F::PadFuncOptions({5, 5, 7, 7}).mode(torch::kReflect));
  const auto expected = g->forward(padded).narrow(2, 7, 50).narrow(3, 5, 70);
  EXPECT_TRUE(torch::allclose(out, expected, 0, 1e-6));
}

TEST(Translate, TiledRunEqualsUntiledOutsideTheReceptiveFieldOfSeams) {
  // The local generator sees 2 pixels each way, so tiles can only differ from the whole image
  // within 2 pixels of a tile's inner edge; everywhere else the blend is of equal values.
  auto g = std::make_shared<pix2pix_test::LocalGeneratorImpl>(4);
  g->eval();
  const auto x = random_images(1, 150, 230);
  const auto whole = pix2pix::translate(*g, x, {}, torch::kCPU);
  pix2pix::TranslateSettings tiled;
  tiled.tile = 64;
  tiled.tile_overlap = 16;
  const auto out = pix2pix::translate(*g, x, tiled, torch::kCPU);
  ASSERT_EQ(out.sizes(), whole.sizes());

  // Tiles are laid out on the image itself (both sides exceed the tile). The whole image is
  // reflect-padded to 152 x 232 first, which changes what the convolutions' zero padding sees
  // within 2 pixels of the image's edge: those are left out too.
  auto near_edge = torch::zeros({150, 230}, torch::kBool);
  near_edge.narrow(0, 0, 2).fill_(true);
  near_edge.narrow(0, 148, 2).fill_(true);
  near_edge.narrow(1, 0, 2).fill_(true);
  near_edge.narrow(1, 228, 2).fill_(true);
  for (int64_t s : pix2pix::tile_starts(150, 64, 16)) {
    if (s > 0) near_edge.narrow(0, std::max<int64_t>(0, s - 2), 5).fill_(true);
    if (s + 64 < 150) near_edge.narrow(0, s + 64 - 3, 5).fill_(true);
  }
  for (int64_t s : pix2pix::tile_starts(230, 64, 16)) {
    if (s > 0) near_edge.narrow(1, std::max<int64_t>(0, s - 2), 5).fill_(true);
    if (s + 64 < 230) near_edge.narrow(1, s + 64 - 3, 5).fill_(true);
  }
  const auto diff = (out - whole).abs().amax({0, 1});  // [H, W]
  EXPECT_LT(diff.masked_select(near_edge.logical_not()).max().item<float>(), 1e-5f);
  EXPECT_GT(diff.masked_select(near_edge).max().item<float>(), 1e-4f);  // the seams are real
}

TEST(Translate, RejectsTilesTheGeneratorCannotTake) {
  auto g = std::make_shared<pix2pix_test::LocalGeneratorImpl>(16);
  pix2pix::TranslateSettings s;
  s.tile = 100;
  try {
    pix2pix::translate(*g, random_images(1, 200, 200), s, torch::kCPU);
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--tile 96 or 112"), std::string::npos) << e.what();
  }
  s.tile = 64;
  s.tile_overlap = 40;
  EXPECT_THROW(pix2pix::translate(*g, random_images(1, 200, 200), s, torch::kCPU),
               std::invalid_argument);
}
