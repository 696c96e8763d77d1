#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <chrono>

#include "data_test_util.h"
#include "pix2pix/image_io.h"
#include "pix2pix/transform_tensor.h"

namespace pix2pix {
namespace {

using testing::TempDir;

// Noise over a smooth ramp and a few hard edges: every interpolation tap matters.
cv::Mat test_image(int width, int height, int type, uint64_t seed) {
  cv::Mat image(height, width, type);
  cv::RNG rng(seed);
  rng.fill(image, cv::RNG::UNIFORM, 0, 256);
  cv::Mat ramp(height, width, type);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      uchar* p = ramp.ptr<uchar>(y) + x * ramp.channels();
      for (int c = 0; c < ramp.channels(); ++c) p[c] = uchar((x * 255 / width + c * 60) % 256);
    }
  }
  cv::addWeighted(image, 0.5, ramp, 0.5, 0, image);
  cv::rectangle(image, {width / 4, height / 4}, {width / 2, height / 2}, cv::Scalar::all(255),
                cv::FILLED);
  cv::rectangle(image, {0, 0}, {width / 8, height - 1}, cv::Scalar::all(0), cv::FILLED);
  return image;
}

struct Comparison {
  double max_levels = 0;     // largest difference, in levels of 255
  double unequal_share = 0;  // share of values that differ at all
};

Comparison compare(const torch::Tensor& fused, const torch::Tensor& two_step) {
  EXPECT_EQ(fused.sizes(), two_step.sizes());
  const torch::Tensor levels = ((fused - two_step) * 127.5).abs();
  return {levels.max().item<double>(), (levels > 0.5).to(torch::kFloat64).mean().item<double>()};
}

TransformConfig config_for(const std::string& preprocess, int load, int crop) {
  TransformConfig config;
  config.preprocess = preprocess;
  config.load_size = load;
  config.crop_size = crop;
  config.size_multiple = preprocess == "none" ? 128 : 1;
  return config;
}

TEST(TransformTensor, MatchesResizeCropFlipForEveryDraw) {
  // the halves of an aligned file are views into a wider image, so the rows are strided
  const cv::Mat pair = test_image(512, 256, CV_8UC3, 7);
  const cv::Mat half = pair(cv::Rect(256, 0, 256, 256));
  const TransformConfig config = config_for("resize_and_crop", 286, 256);
  ASSERT_TRUE(transform_is_fused(half, config, 3));
  SplitMix64 rng(11);
  double worst = 0, unequal = 0;
  bool flipped = false, unflipped = false;
  for (int i = 0; i < 12; ++i) {
    const TransformDraw draw = draw_transform(config, half.size(), rng, "pair.jpg");
    flipped |= draw.flip;
    unflipped |= !draw.flip;
    const Comparison c = compare(transform_to_tensor(half, config, draw, 3),
                                 image_to_tensor(apply_transform(half, config, draw), 3));
    worst = std::max(worst, c.max_levels);
    unequal = std::max(unequal, c.unequal_share);
  }
  RecordProperty("largest_difference_levels", std::to_string(worst));
  RecordProperty("largest_unequal_share", std::to_string(unequal));
  EXPECT_TRUE(flipped && unflipped);
  EXPECT_LE(worst, 1.0 + 1e-4);
  EXPECT_LT(unequal, 0.001) << "share of values one level off";
}

TEST(TransformTensor, MatchesAtTheCornersOfTheCropRange) {
  const cv::Mat image = test_image(256, 256, CV_8UC3, 3);
  const TransformConfig config = config_for("resize_and_crop", 286, 256);
  for (int x : {0, 30}) {
    for (int y : {0, 30}) {
      for (bool flip : {false, true}) {
        TransformDraw draw;
        draw.crop_x = x, draw.crop_y = y, draw.flip = flip;
        const Comparison c = compare(transform_to_tensor(image, config, draw, 3),
                                     image_to_tensor(apply_transform(image, config, draw), 3));
        EXPECT_LE(c.max_levels, 1.0 + 1e-4) << x << "," << y << " flip " << flip;
        EXPECT_LT(c.unequal_share, 0.001);
      }
    }
  }
}

TEST(TransformTensor, MatchesOtherResizesAndGray) {
  struct Case {
    std::string preprocess;
    int load, crop, width, height, type;
  };
  const std::vector<Case> cases = {
      {"scale_width", 256, 256, 400, 300, CV_8UC3},           // a downscale
      {"scale_width_and_crop", 300, 256, 200, 180, CV_8UC3},  // height follows the width
      {"none", 256, 256, 250, 140, CV_8UC3},                  // rounded to multiples of 128
      {"resize_and_crop", 143, 128, 100, 90, CV_8UC1},        // gray, non-square source
      {"resize_and_crop", 143, 128, 1, 40, CV_8UC3},          // one pixel wide
      {"resize_and_crop", 286, 256, 3, 2, CV_8UC1},           // tiny
      {"scale_width", 256, 256, 4000, 300, CV_8UC3},          // 15x: taps far apart
      {"scale_width_and_crop", 256, 128, 700, 500, CV_8UC3},  // 2.7x
  };
  for (const Case& k : cases) {
    const cv::Mat image = test_image(k.width, k.height, k.type, 5);
    const TransformConfig config = config_for(k.preprocess, k.load, k.crop);
    const int channels = image.channels();
    ASSERT_TRUE(transform_is_fused(image, config, channels)) << k.preprocess;
    SplitMix64 rng(2);
    const TransformDraw draw = draw_transform(config, image.size(), rng, "x.png");
    const Comparison c = compare(transform_to_tensor(image, config, draw, channels),
                                 image_to_tensor(apply_transform(image, config, draw), channels));
    EXPECT_LE(c.max_levels, 1.0 + 1e-4) << k.preprocess;
    EXPECT_LT(c.unequal_share, 0.001) << k.preprocess;
  }
}

TEST(TransformTensor, PureRedStaysRedInRgbOrder) {
  const cv::Mat red = testing::solid(256, 256, {0, 0, 255});
  const TransformConfig config = config_for("resize_and_crop", 286, 256);
  TransformDraw draw;
  draw.crop_x = 13, draw.flip = true;
  const torch::Tensor t = transform_to_tensor(red, config, draw, 3);
  EXPECT_EQ(t.sizes(), (std::vector<int64_t>{3, 256, 256}));
  EXPECT_EQ(t[0].min().item<float>(), 1.f);
  EXPECT_EQ(t[1].max().item<float>(), -1.f);
  EXPECT_EQ(t[2].max().item<float>(), -1.f);
}

TEST(TransformTensor, TakesTheOnePassRouteOnlyFor8BitImagesThatAreResized) {
  const TransformConfig config = config_for("resize_and_crop", 286, 256);
  const cv::Mat colour = test_image(256, 256, CV_8UC3, 1);
  const cv::Mat gray = test_image(256, 256, CV_8UC1, 1);
  cv::Mat deep;
  colour.convertTo(deep, CV_16U, 257);
  EXPECT_TRUE(transform_is_fused(colour, config, 3));
  EXPECT_TRUE(transform_is_fused(gray, config, 1));
  EXPECT_FALSE(transform_is_fused(colour, config, 1));                      // to gray
  EXPECT_FALSE(transform_is_fused(gray, config, 3));                        // gray to colour
  EXPECT_FALSE(transform_is_fused(deep, config, 3));                        // 16-bit
  EXPECT_FALSE(transform_is_fused(cv::Mat(), config, 3));                   // empty
  EXPECT_FALSE(transform_is_fused(colour, config_for("crop", 0, 256), 3));  // no resize
}

TEST(TransformTensor, RefusesACropOutsideTheResizedImage) {
  const cv::Mat image = test_image(256, 256, CV_8UC3, 1);
  TransformDraw draw;
  draw.crop_x = 31;  // 286 - 256 + 1
  EXPECT_THROW(transform_to_tensor(image, config_for("resize_and_crop", 286, 256), draw, 3),
               std::invalid_argument);
}

// read_image decodes JPEGs with TurboJPEG where the build has it; the pixels must be OpenCV's
// (both run on the system's libjpeg-turbo).
TEST(JpegDecode, TurboJpegGivesOpenCVsPixels) {
  if (jpeg_decoder() != "TurboJPEG") GTEST_SKIP() << "built without TurboJPEG";
  TempDir dir;
  const cv::Mat colour = test_image(96, 64, CV_8UC3, 9);
  const cv::Mat gray = test_image(96, 64, CV_8UC1, 9);
  const std::vector<std::pair<cv::Mat, std::vector<int>>> cases = {
      {colour, {}},                                 // baseline 4:2:0, OpenCV's default
      {colour, {cv::IMWRITE_JPEG_QUALITY, 100}},    // another quantisation
      {colour, {cv::IMWRITE_JPEG_PROGRESSIVE, 1}},  // progressive scans
      {colour, {cv::IMWRITE_JPEG_RST_INTERVAL, 2, cv::IMWRITE_JPEG_OPTIMIZE, 1}},  // restarts
      {gray, {}},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    std::vector<unsigned char> bytes;
    ASSERT_TRUE(cv::imencode(".jpg", cases[i].first, bytes, cases[i].second));
    const cv::Mat turbo = decode_jpeg_with_turbojpeg(bytes);
    const cv::Mat opencv = cv::imdecode(bytes, cv::IMREAD_UNCHANGED);
    ASSERT_FALSE(turbo.empty()) << "case " << i << ": TurboJPEG declined it";
    ASSERT_EQ(turbo.type(), opencv.type()) << "case " << i;
    ASSERT_EQ(turbo.size(), opencv.size()) << "case " << i;
    EXPECT_EQ(cv::norm(turbo, opencv, cv::NORM_INF), 0.0) << "case " << i;

    const std::string path = dir / ("case" + std::to_string(i) + ".jpg");
    testing::write_bytes(path, bytes);
    EXPECT_EQ(cv::norm(read_image(path), opencv, cv::NORM_INF), 0.0) << "case " << i;
  }
}

// A header that claims 60000 x 60000 pixels: refused at once by name, nothing allocated for it.
TEST(JpegDecode, AHugeClaimedSizeIsRefusedByName) {
  TempDir dir;
  std::vector<unsigned char> bytes;
  ASSERT_TRUE(cv::imencode(".jpg", test_image(128, 64, CV_8UC3, 4), bytes));
  size_t sof = 0;
  for (size_t i = 2; i + 9 < bytes.size(); ++i) {
    if (bytes[i] == 0xFF && bytes[i + 1] == 0xC0) {
      sof = i;
      break;
    }
  }
  ASSERT_GT(sof, 0u) << "no baseline frame header";
  for (size_t offset : {sof + 5, sof + 7}) {  // height, then width, big-endian
    bytes[offset] = 60000 >> 8;
    bytes[offset + 1] = 60000 & 0xFF;
  }
  EXPECT_TRUE(decode_jpeg_with_turbojpeg(bytes).empty());
  const std::string path = dir / "huge.jpg";
  testing::write_bytes(path, bytes);
  const auto start = std::chrono::steady_clock::now();
  const std::string error = testing::error_of([&] { read_image(path); });
  EXPECT_NE(error.find("huge.jpg"), std::string::npos) << error;
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 5.0);
}

}  // namespace
}  // namespace pix2pix
