#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include <set>

#include "data_test_util.h"
#include "pix2pix/dataset.h"
#include "pix2pix/image_io.h"

namespace pix2pix {
namespace {

using testing::error_of;
using testing::TempDir;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

Options options_for(const std::string& root, const std::string& mode = "aligned") {
  Options o;
  o.dataroot = root;
  o.dataset_mode = mode;
  o.num_threads = 0;
  return o;
}

// A: R = x, G = y, B = 0. Target: R = 255 - x, G = y, B = 128; so every target pixel names the
// A pixel it came from, and a transform that reached A and B alike keeps R_A + R_B = 255.
void write_coordinate_pair(const std::string& path, int width, int height) {
  cv::Mat pair(height, 2 * width, CV_8UC3);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      pair.at<cv::Vec3b>(y, x) = cv::Vec3b(0, uchar(y), uchar(x));
      pair.at<cv::Vec3b>(y, width + x) = cv::Vec3b(128, uchar(y), uchar(255 - x));
    }
  }
  write_image(path, pair);
}

TEST(PairedDataset, SameCropAndFlipReachAAndBOverManyDraws) {
  TempDir dir;
  write_coordinate_pair(dir / "train/pair.png", 200, 150);
  Options o = options_for(dir.str());
  o.preprocess = "crop";
  o.crop_size = 64;
  PairedDataset dataset(o, "train");

  std::set<std::pair<int, int>> corners;
  int n_flipped = 0;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    const Sample s = dataset.get(0, seed);
    const auto a = s.real_A.accessor<float, 3>(), b = s.real_B.accessor<float, 3>();  // RGB
    auto byte = [](float v) { return int(std::lround((v + 1) * 127.5)); };
    for (int y = 0; y < 64; ++y) {
      for (int x = 0; x < 64; ++x) {
        ASSERT_EQ(byte(a[0][y][x]) + byte(b[0][y][x]), 255) << "seed " << seed;  // same x
        ASSERT_EQ(a[1][y][x], b[1][y][x]) << "seed " << seed;                    // same y
      }
    }
    const int x0 = byte(a[0][0][0]), x1 = byte(a[0][0][63]);
    const bool flipped = x0 > x1;
    ASSERT_EQ(std::abs(x1 - x0), 63);  // a crop, not a resize
    n_flipped += flipped;
    corners.insert({std::min(x0, x1), byte(a[1][0][0])});
  }
  EXPECT_GT(n_flipped, 60);  // about half of 200
  EXPECT_LT(n_flipped, 140);
  EXPECT_GT(corners.size(), 150u);  // the crop moves

  // with resizing, on a pair whose B equals A: the interpolated values match exactly
  cv::Mat a = read_image(dir / "train/pair.png")(cv::Rect(0, 0, 200, 150));
  cv::Mat same;
  cv::hconcat(a, a, same);
  write_image(dir / "same/train/pair.png", same);
  o = options_for(dir / "same");
  o.load_size = 80;
  o.crop_size = 64;
  PairedDataset resized(o, "train");
  std::set<float> first_values;
  for (uint64_t seed = 0; seed < 50; ++seed) {
    const Sample s = resized.get(0, seed);
    ASSERT_TRUE(s.real_A.equal(s.real_B)) << "seed " << seed;
    first_values.insert(s.real_A[0][0][0].item<float>());
  }
  EXPECT_GT(first_values.size(), 10u);
}

TEST(PairedDataset, PureRedStaysRedEndToEndAndDirectionSwaps) {
  TempDir dir;
  cv::Mat pair = testing::solid(64, 32, {0, 0, 255});          // red
  pair(cv::Rect(32, 0, 32, 32)).setTo(cv::Scalar(255, 0, 0));  // blue
  write_image(dir / "train/1.png", pair);
  Options o = options_for(dir.str());
  o.load_size = 40;
  o.crop_size = 32;

  Sample s = PairedDataset(o, "train").get(0, 7);
  ASSERT_EQ(s.real_A.sizes(), (std::vector<int64_t>{3, 32, 32}));
  EXPECT_TRUE(s.real_A[0].eq(1).all().item<bool>());
  EXPECT_TRUE(s.real_A[1].eq(-1).all().item<bool>());
  EXPECT_TRUE(s.real_A[2].eq(-1).all().item<bool>());
  EXPECT_TRUE(s.real_B[2].eq(1).all().item<bool>());
  EXPECT_EQ(s.path, dir / "train/1.png");

  o.direction = "BtoA";
  o.input_nc = 1;
  s = PairedDataset(o, "train").get(0, 7);
  ASSERT_EQ(s.real_A.size(0), 1);  // blue as gray: 0.114 * 255 = 29
  EXPECT_NEAR(s.real_A[0][0][0].item<float>(), 2.0 * 29 / 255 - 1, 1e-6);
  EXPECT_TRUE(s.real_B[0].eq(1).all().item<bool>());  // red target
}

TEST(PairedDataset, AnAlignedFileTurnedByExifIsAnErrorNamingTheFile) {
  TempDir dir;
  testing::write_bytes(dir / "train/turned.jpg",
                       testing::jpeg_with_orientation(testing::solid(128, 64, {0, 0, 255}), 6));
  testing::write_bytes(dir / "train/mirrored.jpg",
                       testing::jpeg_with_orientation(testing::solid(128, 64, {0, 0, 255}), 2));
  PairedDataset dataset(options_for(dir.str()), "train");
  ASSERT_EQ(dataset.size(), 2u);
  const std::string message = error_of([&] { dataset.get(1, 0); });  // sorted: turned is second
  EXPECT_TRUE(contains(message, dir / "train/turned.jpg" + ": its EXIF orientation (6) turns it"))
      << message;
  EXPECT_TRUE(contains(message, "exiftool -Orientation=")) << message;
  // a mirror keeps the sides: it is applied, and the pair loads
  EXPECT_EQ(dataset.get(0, 0).real_A.size(1), 256);
}

TEST(PairedDataset, OddWidthIsAnErrorNamingTheFile) {
  TempDir dir;
  write_image(dir / "train/odd.png", testing::solid(101, 50, {0, 0, 0}));
  PairedDataset dataset(options_for(dir.str()), "train");
  EXPECT_EQ(error_of([&] { dataset.get(0, 0); }),
            dir / "train/odd.png" +
                ": aligned image has an odd width (101); an aligned file holds A and B side by "
                "side, each half the width (see pix2pix data combine)");
}

TEST(PairedDataset, EmptyFolderAndMissingPhaseAreErrorsNamingTheFolder) {
  TempDir dir;
  std::filesystem::create_directories(dir / "train");
  testing::write_text(dir / "train/readme.txt", "no images here");
  EXPECT_EQ(error_of([&] { PairedDataset(options_for(dir.str()), "train"); }),
            "no images in " + (dir / "train") +
                " (aligned mode: A|B side by side in each file; looked for jpg, jpeg, png, bmp, "
                "ppm, tif, tiff, webp)");
  EXPECT_EQ(error_of([&] { PairedDataset(options_for(dir.str()), "val"); }),
            "phase folder " + (dir / "val") + " not found (phase 'val'; folders in " + dir.str() +
                ": train)");
}

TEST(PairedDataset, FoldersArePairedByNameAndUnpairedNamesListed) {
  TempDir dir;
  // sort order would pair 10 with 2; names pair them correctly
  for (int i : {1, 2, 10}) {
    write_image(dir / ("train/A/" + std::to_string(i) + ".png"),
                testing::solid(8, 8, {0, 0, double(i)}));
    write_image(dir / ("train/B/" + std::to_string(i) + ".jpg"), testing::solid(8, 8, {0, 0, 255}));
  }
  Options o = options_for(dir.str(), "folders");
  o.preprocess = "none";
  PairedDataset dataset(o, "train", 4);
  ASSERT_EQ(dataset.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    const std::string a = dataset.files().a[i], b = dataset.files().b[i];
    EXPECT_EQ(std::filesystem::path(a).stem(), std::filesystem::path(b).stem());
  }

  write_image(dir / "train/A/only_a.png", testing::solid(8, 8, {0, 0, 0}));
  write_image(dir / "train/B/sub/only_b.png", testing::solid(8, 8, {0, 0, 0}));
  EXPECT_EQ(error_of([&] { PairedDataset(o, "train"); }),
            "unpaired images in " + (dir / "train") +
                " (pairs are matched by name):\n  in A without a partner in B: A/only_a.png\n"
                "  in B without a partner in A: B/sub/only_b.png");
}

TEST(PairedDataset, CropLargerThanImageNamesTheFileAndBothSizes) {
  TempDir dir;
  write_image(dir / "train/small.png", testing::solid(100, 40, {0, 0, 0}));
  Options o = options_for(dir.str());
  o.preprocess = "crop";
  o.crop_size = 64;
  PairedDataset dataset(o, "train");
  EXPECT_EQ(error_of([&] { dataset.get(0, 0); }),
            dir / "train/small.png" +
                ": crop_size 64 is larger than the image (50x40); lower crop_size or use larger "
                "images (see pix2pix data check)");
}

TEST(PairedDataset, VerifyReportsEveryProblemAtOnce) {
  TempDir dir;
  write_image(dir / "train/good.png", testing::solid(64, 32, {0, 0, 0}));
  write_image(dir / "train/odd.png", testing::solid(63, 32, {0, 0, 0}));
  cv::Mat noise(32, 64, CV_8UC3);
  cv::randu(noise, 0, 255);
  std::vector<unsigned char> jpeg;
  cv::imencode(".jpg", noise, jpeg);
  jpeg.resize(jpeg.size() - 100);
  testing::write_bytes(dir / "train/cut.jpg", jpeg);

  PairedDataset dataset(options_for(dir.str()), "train");
  const std::string message = error_of([&] { dataset.verify(); });
  EXPECT_EQ(message.rfind("data set " + (dir / "train") + " has 2 problems", 0), 0u) << message;
  EXPECT_TRUE(contains(message, dir / "train/cut.jpg" + " is a truncated JPEG")) << message;
  EXPECT_TRUE(contains(message, dir / "train/odd.png" + ": aligned image has an odd width"));
  EXPECT_FALSE(contains(message, "good.png"));
}

TEST(PairedDataset, NoneRoundsToTheMultipleAndMaxDatasetSizeLimits) {
  TempDir dir;
  for (const char* name : {"a.png", "b.png", "c.png"}) {
    write_image(dir / (std::string("imgs/") + name), testing::solid(30, 22, {9, 9, 9}));
  }
  Options o = options_for(dir / "imgs", "single");
  o.preprocess = "none";
  o.max_dataset_size = 2;
  PairedDataset dataset(o, "test", 4);  // no test/ folder: single mode reads the root
  ASSERT_EQ(dataset.size(), 2u);
  const Sample s = dataset.get(1, 0);
  EXPECT_EQ(s.real_A.sizes(), (std::vector<int64_t>{3, 24, 32}));  // 22 -> 24, 30 -> 32
  EXPECT_FALSE(s.real_B.defined());
  EXPECT_EQ(s.path, dir / "imgs/b.png");
}

TEST(PairedDataset, FoldersGivenAsTwoPathsPairByName) {
  TempDir dir;
  for (int i : {1, 2, 10}) {
    write_image(dir / ("photos/" + std::to_string(i) + ".png"), testing::solid(8, 8, {0, 0, 0}));
    write_image(dir / ("labels/" + std::to_string(i) + ".jpg"), testing::solid(8, 8, {0, 0, 0}));
  }
  Options o = options_for(dir / "nowhere", "folders");
  o.dir_A = dir / "photos";
  o.dir_B = dir / "labels";
  o.preprocess = "none";
  PairedDataset dataset(o, "train", 4);
  ASSERT_EQ(dataset.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(std::filesystem::path(dataset.files().a[i]).stem(),
              std::filesystem::path(dataset.files().b[i]).stem());
  }

  write_image(dir / "labels/only_b.png", testing::solid(8, 8, {0, 0, 0}));
  EXPECT_NE(error_of([&] { PairedDataset(o, "train"); })
                .find("in B without a partner in A: "
                      "labels/only_b.png"),
            std::string::npos);
  o.dir_B = dir / "missing";
  EXPECT_EQ(error_of([&] { PairedDataset(o, "train"); }),
            "folder " + (dir / "missing") + " not found; check --dir_B");

  o.dir_B.clear();
  EXPECT_NE(error_of([&] { validate(o); }).find("'dir_A' and 'dir_B' go together"),
            std::string::npos);
}

}  // namespace
}  // namespace pix2pix
