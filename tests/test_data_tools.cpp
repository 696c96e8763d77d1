#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <sys/wait.h>

#include "data_test_util.h"
#include "pix2pix/data_tools.h"
#include "pix2pix/demo_dataset.h"
#include "pix2pix/image_io.h"

namespace pix2pix {
namespace {

using testing::TempDir;
namespace fs = std::filesystem;

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> names_in(const std::string& folder) {
  std::vector<std::string> names;
  for (const auto& path : list_images(folder)) names.push_back(fs::path(path).filename());
  return names;
}

TEST(DataCombine, WritesPairsAndReportsEveryMissingPartnerAndSizeMismatch) {
  TempDir dir;
  write_image(dir / "A/1.png", testing::solid(8, 8, {0, 0, 255}));
  write_image(dir / "B/1.png", cv::Mat(8, 8, CV_8UC1, cv::Scalar(200)));  // gray: expanded
  write_image(dir / "A/sub/2.png", testing::solid(8, 8, {1, 1, 1}));
  write_image(dir / "B/sub/2.jpg", testing::solid(8, 8, {2, 2, 2}));
  write_image(dir / "A/3.png", testing::solid(8, 8, {0, 0, 0}));
  write_image(dir / "B/3.png", testing::solid(10, 8, {0, 0, 0}));
  write_image(dir / "A/4.png", testing::solid(8, 8, {0, 0, 0}));
  write_image(dir / "B/5.png", testing::solid(8, 8, {0, 0, 0}));

  const CombineReport report = combine_folders(dir / "A", dir / "B", dir / "out");
  EXPECT_EQ(report.n_written, 2u);
  const std::vector<std::string> expected = {
      "size differs: " + (dir / "A/3.png") + " is 8x8, " + (dir / "B/3.png") + " is 10x8",
      (dir / "A/4.png") + ": no partner named 4.* in " + (dir / "B"),
      (dir / "B/5.png") + ": no partner named 5.* in " + (dir / "A")};
  EXPECT_EQ(report.problems, expected);

  const cv::Mat pair = read_image(dir / "out/1.png");
  ASSERT_EQ(pair.size(), cv::Size(16, 8));
  EXPECT_EQ(pair.at<cv::Vec3b>(0, 0), cv::Vec3b(0, 0, 255));
  EXPECT_EQ(pair.at<cv::Vec3b>(0, 8), cv::Vec3b(200, 200, 200));
  EXPECT_TRUE(fs::exists(dir / "out/sub/2.png"));
  EXPECT_FALSE(fs::exists(dir / "out/3.png"));
}

// The subcommand as users type it; exit status 1 when any pair was skipped.
TEST(DataCombine, CommandTakesTheIssuesSpellingAndSaysWhenPairsWereSkipped) {
  TempDir dir;
  write_image(dir / "A/1.png", testing::solid(8, 8, {0, 0, 255}));
  write_image(dir / "B/1.png", testing::solid(8, 8, {0, 255, 0}));
  const auto run = [&](const std::string& args) {
    const std::string command =
        std::string(PIX2PIX_BINARY) + " data combine " + args + " > " + (dir / "log.txt") + " 2>&1";
    const int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  EXPECT_EQ(run("--a " + (dir / "A") + " --b " + (dir / "B") + " --out " + (dir / "out")), 0)
      << read_all(dir / "log.txt");
  EXPECT_EQ(read_image(dir / "out/1.png").size(), cv::Size(16, 8));
  EXPECT_EQ(run("--a=" + (dir / "A") + " --b=" + (dir / "B") + " --out " + (dir / "out2")), 0)
      << read_all(dir / "log.txt");

  // an output folder that holds files is left alone
  const auto written = fs::last_write_time(dir / "out/1.png");
  EXPECT_EQ(run("--a " + (dir / "A") + " --b " + (dir / "B") + " --out " + (dir / "out")), 1);
  EXPECT_NE(read_all(dir / "log.txt").find("is not empty"), std::string::npos);
  EXPECT_EQ(fs::last_write_time(dir / "out/1.png"), written);

  write_image(dir / "A/2.png", testing::solid(8, 8, {0, 0, 0}));
  EXPECT_EQ(run("--a " + (dir / "A") + " --b " + (dir / "B") + " --out " + (dir / "out3")), 1);
  EXPECT_NE(read_all(dir / "log.txt").find("2.png: no partner named 2.* in"), std::string::npos)
      << read_all(dir / "log.txt");
}

TEST(DataCheck, ReportsCountsSizesAndEveryProblemAtOnce) {
  TempDir dir;
  write_image(dir / "train/a.png", testing::solid(64, 32, {0, 0, 0}));
  write_image(dir / "train/b.png", testing::solid(64, 32, {0, 0, 0}));
  write_image(dir / "train/odd.png", testing::solid(63, 32, {0, 0, 0}));
  testing::write_text(dir / "train/broken.jpg", "not a jpeg");
  write_image(dir / "test/A/x.png", testing::solid(16, 16, {0, 0, 0}));
  write_image(dir / "test/B/x.png", cv::Mat(16, 16, CV_8UC1, cv::Scalar(0)));
  write_image(dir / "test/B/lonely.png", testing::solid(16, 16, {0, 0, 0}));

  Options options;
  options.dataroot = dir.str();
  options.crop_size = 24;
  CheckReport report = check_dataset(options, false);
  ASSERT_EQ(report.phases.size(), 2u);
  EXPECT_EQ(report.phases[0].phase, "test");
  EXPECT_EQ(report.phases[0].mode, "folders");
  EXPECT_EQ(report.phases[0].n_items, 1u);
  EXPECT_EQ(report.phases[0].channels, (std::map<std::string, size_t>{{"3+1", 1}}));
  EXPECT_EQ(report.phases[1].mode, "aligned");
  EXPECT_EQ(report.phases[1].n_items, 4u);
  EXPECT_EQ(report.phases[1].sizes, (std::map<std::string, size_t>{{"32x32", 2}}));
  ASSERT_EQ(report.problems.size(), 3u);
  EXPECT_EQ(report.problems[0], (dir / "test/B/lonely.png") + ": no partner in A/");
  EXPECT_EQ(report.problems[1].rfind("cannot decode image " + (dir / "train/broken.jpg"), 0), 0u);
  EXPECT_EQ(report.problems[2].rfind((dir / "train/odd.png") + ": aligned image has an odd", 0),
            0u);
  EXPECT_EQ(report.notes, std::vector<std::string>{(dir / "test/A/x.png") +
                                                   ": 16x16 is smaller than crop_size 24 and "
                                                   "will be upscaled"});
  EXPECT_FALSE(report.clean());

  // the crop preprocess cannot upscale: a small image becomes a problem
  fs::remove_all(dir / "test");
  fs::remove(dir / "train/odd.png");
  fs::remove(dir / "train/broken.jpg");
  EXPECT_TRUE(check_dataset(options, false).clean());
  options.preprocess = "crop";
  options.crop_size = 48;
  report = check_dataset(options, false);
  ASSERT_EQ(report.problems.size(), 2u);
  EXPECT_EQ(report.problems[0],
            (dir / "train/a.png") + ": crop_size 48 is larger than the image (32x32)");
}

TEST(DemoDataset, BuildsPairsHoldsOutWholePhotosAndAttributesThem) {
  TempDir dir;
  // one small generated photograph, under two names: one for train, one held out for test
  cv::Mat photo(64, 96, CV_8UC3, cv::Scalar(40, 80, 120));
  cv::circle(photo, {30, 30}, 18, cv::Scalar(250, 250, 250), cv::FILLED);
  cv::rectangle(photo, cv::Rect(60, 10, 25, 40), cv::Scalar(0, 0, 0), cv::FILLED);
  write_image(dir / "photos/a.png", photo);
  write_image(dir / "photos/b.png", photo);
  testing::write_text(dir / "copyright",
                      "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
                      "\nFiles: *\nCopyright: 2020 Someone Else\nLicense: GPL-2+\n"
                      "\nFiles: pictures/a.png\nCopyright: 2024 Ann Author\n  2025 Bo Author\n"
                      "License: CC0-1.0\n Public domain text.\n");

  DemoOptions options;
  options.sources = {{dir / "photos", dir / "copyright"}};
  options.out = dir / "demo";
  options.size = 32;
  options.format = "png";
  options.min_edge_fraction = 0;
  options.coloured_edges = false;
  const DemoReport report = build_demo_dataset(options);
  // scale 1: 48x32 -> 1 tile; scale 2: 96x64 -> 3 x 2 tiles
  EXPECT_EQ(report.n_train_pairs, 7u);
  EXPECT_EQ(report.n_test_pairs, 7u);
  EXPECT_EQ(report.n_train_photos, 1u);
  EXPECT_EQ(report.n_test_photos, 1u);
  for (const auto& name : names_in(dir / "demo/train")) EXPECT_EQ(name.rfind("a_", 0), 0u);
  for (const auto& name : names_in(dir / "demo/test")) EXPECT_EQ(name.rfind("b_", 0), 0u);

  const cv::Mat pair = read_image(dir / "demo/train/a_s2_r0c0.png");
  ASSERT_EQ(pair.size(), cv::Size(64, 32));
  EXPECT_EQ(cv::norm(pair(cv::Rect(32, 0, 32, 32)), photo(cv::Rect(0, 0, 32, 32)), cv::NORM_INF),
            0.0);  // B: the photo at scale 2 (its own size)
  const cv::Mat edges = pair(cv::Rect(0, 0, 32, 32));
  cv::Mat binary = (edges == 0) | (edges == 255);
  EXPECT_EQ(cv::countNonZero(binary.reshape(1)), 32 * 32 * 3);  // black lines on white
  cv::Mat black = edges == 0;
  EXPECT_GT(cv::countNonZero(black.reshape(1)), 0);  // the circle's outline

  const std::string attribution = read_all(dir / "demo/ATTRIBUTION");
  EXPECT_NE(attribution.find("a.png\n  source:    " + (dir / "photos/a.png") +
                             "\n  copyright: 2024 Ann Author; 2025 Bo Author\n"
                             "  licence:   CC0-1.0\n  from:      " +
                             (dir / "copyright") + "\n  used in:   train, 7 pairs (a_*)"),
            std::string::npos)
      << attribution;
  EXPECT_NE(attribution.find("licence:   GPL-2+"), std::string::npos);

  // a second run keeps what exists
  const DemoReport again = build_demo_dataset(options);
  EXPECT_TRUE(again.reused);
  EXPECT_EQ(again.n_train_pairs, 7u);

  // coloured edges (the default) cut the same tiles
  options.coloured_edges = true;
  options.out = dir / "demo_coloured";
  const DemoReport coloured = build_demo_dataset(options);
  EXPECT_EQ(coloured.n_train_pairs, 7u);
  EXPECT_EQ(coloured.n_test_pairs, 7u);
  EXPECT_NE(read_all(dir / "demo_coloured/ATTRIBUTION").find("in the photo's colour"),
            std::string::npos);
}

TEST(DemoDataset, ColouredEdgesAreTheBlackLinesInThePhotosColours) {
  cv::Mat photo(48, 48, CV_8UC3, cv::Scalar(60, 220, 240));  // light yellow, a blue disc
  cv::circle(photo, cv::Point(24, 24), 12, cv::Scalar(200, 60, 20), cv::FILLED);
  const cv::Mat black = edge_map(photo, false), coloured = edge_map(photo, true);
  ASSERT_EQ(coloured.size(), photo.size());
  ASSERT_EQ(coloured.type(), CV_8UC3);

  cv::Mat blurred;
  cv::GaussianBlur(photo, blurred, cv::Size(5, 5), 1.4);
  int n_edges = 0;
  for (int y = 0; y < photo.rows; ++y) {
    for (int x = 0; x < photo.cols; ++x) {
      const bool edge = black.at<cv::Vec3b>(y, x) == cv::Vec3b(0, 0, 0);
      n_edges += edge;
      const cv::Vec3b expected = edge ? blurred.at<cv::Vec3b>(y, x) : cv::Vec3b(255, 255, 255);
      ASSERT_EQ(coloured.at<cv::Vec3b>(y, x), expected) << "at " << x << ", " << y;
    }
  }
  EXPECT_GT(n_edges, 40);  // the disc's outline
}

TEST(DemoDataset, LicenceFromCopyrightFollowsTheLastMatchingStanza) {
  const std::string text =
      "Files: *\nCopyright: Packager\nLicense: GPL-2+\n\n"
      "Files: 16.04/Bridge_by_Someone.jpg\n other/Two.jpg\nCopyright: 2018, Someone\n"
      "License: CC-BY-SA-4.0\n Long text.\n\n"
      "Files: doc/*\nCopyright: Writer\nLicense: GFDL-1.2+\n";
  EXPECT_EQ(licence_from_copyright(text, "Bridge_by_Someone.jpg").licence, "CC-BY-SA-4.0");
  EXPECT_EQ(licence_from_copyright(text, "Two.jpg").copyright, "2018, Someone");
  EXPECT_EQ(licence_from_copyright(text, "castle.jpg").licence, "GPL-2+");
  EXPECT_EQ(licence_from_copyright("Files: a.jpg\nLicense: MIT\n", "b.jpg").licence, "unknown");
}

}  // namespace
}  // namespace pix2pix
