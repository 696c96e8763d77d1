#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "pix2pix/results.h"

namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST(Results, OutputNamesKeepPathAndStem) {
  const auto names = pix2pix::output_names(
      {"a.jpg", "sub/dir/b.JPEG", "c.tif", "x/photo.jpg", "x/photo.png", "x/other.png"}, "png");
  ASSERT_EQ(names.size(), 6u);
  EXPECT_EQ(names[0], fs::path("a.png"));
  EXPECT_EQ(names[1], fs::path("sub/dir/b.png"));
  EXPECT_EQ(names[2], fs::path("c.png"));
  EXPECT_EQ(names[3], fs::path("x/photo_jpg.png"));  // would collide with x/photo.png
  EXPECT_EQ(names[4], fs::path("x/photo_png.png"));
  EXPECT_EQ(names[5], fs::path("x/other.png"));
  EXPECT_EQ(pix2pix::output_names({"d/e.png"}, "jpg")[0], fs::path("d/e.jpg"));
}

TEST(Results, RelativeNameInsideAndOutsideTheBase) {
  EXPECT_EQ(pix2pix::relative_name("/data/set/test/sub/1.jpg", "/data/set/test"),
            fs::path("sub/1.jpg"));
  EXPECT_EQ(pix2pix::relative_name("/data/set/test/./2.jpg", "/data/set/test/"), fs::path("2.jpg"));
  EXPECT_EQ(pix2pix::relative_name("/elsewhere/3.jpg", "/data/set/test"), fs::path("3.jpg"));
}

TEST(Results, CsvHoldsEachImageAndTheMean) {
  std::vector<pix2pix::ResultRow> rows(2);
  rows[0].name = "a,b.png";  // a comma: quoted
  rows[0].width = 20;
  rows[0].height = 10;
  rows[0].metrics = pix2pix::ImageQuality{0.1, 30.0, 0.8};
  rows[1].name = "c.png";
  rows[1].width = 8;
  rows[1].height = 8;
  rows[1].metrics = pix2pix::ImageQuality{0.3, 20.0, std::nan("")};  // too small for SSIM
  const fs::path csv = fs::temp_directory_path() / "p2p_results_test" / "metrics.csv";
  pix2pix::write_metrics_csv(csv, rows);
  EXPECT_EQ(read_text(csv),
            "name,width,height,l1,psnr,ssim\n"
            "\"a,b.png\",20,10,0.100000,30.0000,0.800000\n"
            "c.png,8,8,0.300000,20.0000,\n"
            "mean,,,0.200000,25.0000,0.800000\n");
}

TEST(Results, PageShowsRowsAndFailuresOffline) {
  std::vector<pix2pix::ResultRow> rows(1);
  rows[0].name = "sub/<1>.png";
  rows[0].input_image = "page/input/sub/<1>.png";
  rows[0].output_image = "images/sub/<1>.png";
  rows[0].target_image = "page/target/sub/<1>.png";
  rows[0].metrics = pix2pix::ImageQuality{0.1, 30.0, 0.8};
  const fs::path page = fs::temp_directory_path() / "p2p_results_test" / "index.html";
  pix2pix::write_results_page(page, "run", rows, {{"broken.png", "corrupt"}});
  const std::string html = read_text(page);
  EXPECT_NE(html.find("src=\"images/sub/%3C1%3E.png\""), std::string::npos);
  EXPECT_NE(html.find("src=\"page/target/sub/%3C1%3E.png\""), std::string::npos);
  EXPECT_NE(html.find("sub/&lt;1&gt;.png"), std::string::npos);
  EXPECT_NE(html.find("<li>broken.png: corrupt</li>"), std::string::npos);
  EXPECT_NE(html.find("<th>target</th>"), std::string::npos);
  EXPECT_EQ(html.find("http"), std::string::npos);  // nothing fetched from the network
}
