#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "local_generator.h"
#include "pix2pix/translate_folder.h"

namespace fs = std::filesystem;

namespace {

fs::path fresh_folder(const std::string& name) {
  const fs::path folder = fs::temp_directory_path() / ("p2p_translate_folder_" + name);
  fs::remove_all(folder);
  fs::create_directories(folder);
  return folder;
}

// A smooth 8-bit test image of `type` (channels and depth from OpenCV's type).
cv::Mat test_image(int rows, int cols, int type) {
  cv::Mat image(rows, cols, type);
  cv::randu(image, cv::Scalar::all(0), cv::Scalar::all(CV_MAT_DEPTH(type) == CV_16U ? 65535 : 255));
  return image;
}

void write(const fs::path& path, const cv::Mat& image) {
  fs::create_directories(path.parent_path());
  ASSERT_TRUE(cv::imwrite(path.string(), image)) << path;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

pix2pix::Options single_options(const fs::path& input) {
  pix2pix::Options options;
  options.dataroot = input.string();
  options.dataset_mode = "single";
  options.phase = "test";
  options.num_threads = 2;
  return options;
}

}  // namespace

TEST(TranslateFolder, InfersTheLayout) {
  const fs::path root = fresh_folder("layout");
  EXPECT_THROW(pix2pix::infer_dataset_mode(root / "missing", "test"), std::runtime_error);
  EXPECT_THROW(pix2pix::infer_dataset_mode(root, "test"),
               std::runtime_error);  // empty

  write(root / "nested" / "sub" / "a.png", test_image(8, 8, CV_8UC3));
  EXPECT_EQ(pix2pix::infer_dataset_mode(root / "nested", "test").mode, "single");
  write(root / "paired" / "test" / "1.jpg", test_image(8, 16, CV_8UC3));
  EXPECT_EQ(pix2pix::infer_dataset_mode(root / "paired", "test").mode, "aligned");
  write(root / "folders" / "test" / "A" / "1.png", test_image(8, 8, CV_8UC3));
  write(root / "folders" / "test" / "B" / "1.png", test_image(8, 8, CV_8UC3));
  EXPECT_EQ(pix2pix::infer_dataset_mode(root / "folders", "test").mode, "folders");
  // Images directly inside win over a phase folder: the reference would split
  // them in half.
  write(root / "paired" / "photo.PNG", test_image(8, 8, CV_8UC3));
  const auto choice = pix2pix::infer_dataset_mode(root / "paired", "test");
  EXPECT_EQ(choice.mode, "single");
  EXPECT_NE(choice.reason.find("directly"), std::string::npos);
}

TEST(TranslateFolder, MixedFolderTranslatesWhatItCanAndNamesTheRest) {
  const fs::path input = fresh_folder("mixed_in"), output = fresh_folder("mixed_out");
  write(input / "gray.jpg", test_image(30, 40, CV_8UC1));
  write(input / "alpha.png", test_image(33, 21, CV_8UC4));
  write(input / "deep" / "sixteen.png", test_image(24, 24, CV_16UC3));
  std::ofstream(input / "broken.png") << "not an image at all";

  pix2pix_test::LocalGeneratorImpl generator(4);
  generator.eval();
  const auto report =
      pix2pix::translate_folder(generator, single_options(input), output, torch::kCPU);
  EXPECT_EQ(report.n_inputs, 4u);
  EXPECT_EQ(report.n_translated, 3u);
  ASSERT_EQ(report.failures.size(), 1u);
  EXPECT_EQ(report.failures[0].first, "broken.png");

  // Each output has its input's size, name and relative path.
  const std::pair<const char*, cv::Size> expected[] = {
      {"gray.png", {40, 30}}, {"alpha.png", {21, 33}}, {"deep/sixteen.png", {24, 24}}};
  for (const auto& [name, size] : expected) {
    const cv::Mat out = cv::imread((output / "images" / name).string(), cv::IMREAD_UNCHANGED);
    ASSERT_FALSE(out.empty()) << name;
    EXPECT_EQ(out.size(), size) << name;
    EXPECT_EQ(out.type(), CV_8UC3) << name;
  }
  EXPECT_FALSE(fs::exists(output / "images" / "broken.png"));
  EXPECT_FALSE(fs::exists(output / "metrics.csv"));  // unpaired: nothing to compare with
  EXPECT_NE(read_text(output / "index.html").find("broken.png"), std::string::npos);
}

TEST(TranslateFolder, KeepsExistingOutputsUnlessAskedAndHonoursNumTest) {
  const fs::path input = fresh_folder("again_in"), output = fresh_folder("again_out");
  for (const char* name : {"a.png", "b.png", "c.png"})
    write(input / name, test_image(16, 16, CV_8UC3));
  pix2pix_test::LocalGeneratorImpl generator(4);
  generator.eval();
  auto options = single_options(input);
  options.num_test = 2;
  options.output_format = "jpg";
  const auto first = pix2pix::translate_folder(generator, options, output, torch::kCPU);
  EXPECT_EQ(first.n_translated, 2u);
  EXPECT_TRUE(fs::exists(output / "images" / "b.jpg"));
  EXPECT_FALSE(fs::exists(output / "images" / "c.jpg"));

  try {
    pix2pix::translate_folder(generator, options, output, torch::kCPU);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("--overwrite"), std::string::npos) << e.what();
  }
  options.overwrite = true;
  EXPECT_EQ(pix2pix::translate_folder(generator, options, output, torch::kCPU).n_translated, 2u);
}

TEST(TranslateFolder, PairedSetGetsMetricsAndAPage) {
  const fs::path root = fresh_folder("paired_in"), output = fresh_folder("paired_out");
  cv::Mat pair = test_image(20, 60, CV_8UC3);  // A|B: two 30 x 20 halves
  write(root / "test" / "one.png", pair);
  write(root / "test" / "sub" / "two.png", pair);

  pix2pix_test::LocalGeneratorImpl generator(4);
  generator.eval();
  auto options = single_options(root);
  options.dataset_mode = "aligned";
  options.batch_size = 2;
  const auto report = pix2pix::translate_folder(generator, options, output, torch::kCPU);
  EXPECT_EQ(report.n_translated, 2u);
  EXPECT_TRUE(report.failures.empty());
  ASSERT_TRUE(report.mean.has_value());
  EXPECT_GT(report.mean->l1, 0.0);
  EXPECT_EQ(cv::imread((output / "images" / "sub" / "two.png").string()).size(), cv::Size(30, 20));

  const std::string csv = read_text(output / "metrics.csv");
  EXPECT_EQ(csv.rfind("name,width,height,l1,psnr,ssim\none.png,30,20,", 0), 0u) << csv;
  EXPECT_NE(csv.find("\nsub/two.png,30,20,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\nmean,,,"), std::string::npos) << csv;
  const std::string html = read_text(output / "index.html");
  EXPECT_NE(html.find("page/target/sub/two.png"), std::string::npos);
  EXPECT_TRUE(fs::exists(output / "page" / "target" / "sub" / "two.png"));
  EXPECT_TRUE(fs::exists(output / "page" / "input" / "one.png"));
}
