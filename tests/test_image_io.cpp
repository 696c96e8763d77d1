#include <gtest/gtest.h>
#include <sys/stat.h>

#include <opencv2/imgcodecs.hpp>

#include <filesystem>
#include <random>

#include "data_test_util.h"
#include "pix2pix/image_io.h"

namespace pix2pix {
namespace {

namespace fs = std::filesystem;
using testing::error_of;
using testing::TempDir;

using testing::jpeg_with_orientation;

TEST(ImageIo, PureRedStaysRedThroughTensorAndBack) {
  TempDir dir;
  write_image(dir / "red.png", testing::solid(8, 6, {0, 0, 255}));

  const cv::Mat image = read_image(dir / "red.png");
  const torch::Tensor tensor = image_to_tensor(image, 3);
  ASSERT_EQ(tensor.sizes(), (std::vector<int64_t>{3, 6, 8}));
  EXPECT_TRUE(tensor[0].eq(1.0f).all().item<bool>());   // R
  EXPECT_TRUE(tensor[1].eq(-1.0f).all().item<bool>());  // G
  EXPECT_TRUE(tensor[2].eq(-1.0f).all().item<bool>());  // B

  const cv::Mat back = tensor_to_image(tensor);
  ASSERT_EQ(back.type(), CV_8UC3);
  EXPECT_EQ(cv::norm(back, image, cv::NORM_INF), 0.0);
}

TEST(ImageIo, SixteenBitIsScaledNotTruncated) {
  TempDir dir;
  cv::Mat image(2, 2, CV_16UC3, cv::Scalar(1000, 32768, 65535));
  write_image(dir / "deep.png", image);

  const cv::Mat read = read_image(dir / "deep.png");
  ASSERT_EQ(read.depth(), CV_16U);
  const torch::Tensor t = image_to_tensor(read, 3);  // RGB: 65535, 32768, 1000
  EXPECT_FLOAT_EQ(t[0][0][0].item<float>(), 1.0f);
  EXPECT_NEAR(t[1][0][0].item<float>(), 2.0 * 32768 / 65535 - 1, 1e-6);
  EXPECT_NEAR(t[2][0][0].item<float>(), 2.0 * 1000 / 65535 - 1, 1e-6);
}

TEST(ImageIo, GrayscaleReadsOneChannelAndExpandsOrConverts) {
  TempDir dir;
  write_image(dir / "gray.png", cv::Mat(4, 4, CV_8UC1, cv::Scalar(51)));
  const cv::Mat gray = read_image(dir / "gray.png");
  ASSERT_EQ(gray.channels(), 1);

  const torch::Tensor three = image_to_tensor(gray, 3);
  ASSERT_EQ(three.size(0), 3);
  EXPECT_TRUE(torch::allclose(three, torch::full_like(three, 2.0 * 51 / 255 - 1), 0, 1e-6));

  // colour to one channel: OpenCV's luma weights, 0.299 R + 0.587 G + 0.114 B
  const torch::Tensor one = image_to_tensor(testing::solid(4, 4, {0, 0, 255}), 1);
  ASSERT_EQ(one.size(0), 1);
  EXPECT_NEAR(one[0][0][0].item<float>(), 2.0 * 76 / 255 - 1, 1e-6);
}

TEST(ImageIo, AlphaIsDroppedKeepingTheColour) {
  TempDir dir;
  write_image(dir / "alpha.png", cv::Mat(3, 3, CV_8UC4, cv::Scalar(10, 20, 30, 0)));
  const cv::Mat image = read_image(dir / "alpha.png");
  ASSERT_EQ(image.type(), CV_8UC3);
  EXPECT_EQ(image.at<cv::Vec3b>(1, 1), cv::Vec3b(10, 20, 30));
}

TEST(ImageIo, ExifOrientationIsApplied) {
  TempDir dir;
  // 40 wide, 20 high: left half red, right half blue
  cv::Mat image = testing::solid(40, 20, {255, 0, 0});
  image(cv::Rect(0, 0, 20, 20)).setTo(cv::Scalar(0, 0, 255));
  const auto bytes = jpeg_with_orientation(image, 6);  // displayed rotated 90 degrees clockwise
  testing::write_bytes(dir / "rotated.jpg", bytes);

  const cv::Mat read = read_image(dir / "rotated.jpg");
  ASSERT_EQ(read.size(), cv::Size(20, 40));
  EXPECT_GT(read.at<cv::Vec3b>(5, 10)[2], 200);   // red on top after the rotation
  EXPECT_GT(read.at<cv::Vec3b>(35, 10)[0], 200);  // blue below
  // the same as OpenCV's own reading of the tag
  const cv::Mat reference = cv::imdecode(bytes, cv::IMREAD_COLOR);
  EXPECT_EQ(cv::norm(read, reference, cv::NORM_INF), 0.0);
}

TEST(ImageIo, TruncatedJpegFailsNamingTheFile) {
  TempDir dir;
  cv::Mat noise(64, 64, CV_8UC3);
  cv::randu(noise, 0, 255);
  std::vector<unsigned char> jpeg;
  cv::imencode(".jpg", noise, jpeg);
  jpeg.resize(jpeg.size() / 2);
  testing::write_bytes(dir / "cut.jpg", jpeg);

  const std::string message = error_of([&] { read_image(dir / "cut.jpg"); });
  EXPECT_NE(message.find(dir / "cut.jpg"), std::string::npos) << message;
  EXPECT_NE(message.find("truncated JPEG"), std::string::npos) << message;
}

TEST(ImageIo, MissingEmptyAndCorruptFilesFailNamingTheFile) {
  TempDir dir;
  std::string message = error_of([&] { read_image(dir / "absent.png"); });
  EXPECT_EQ(message, "image not found: " + (dir / "absent.png"));

  testing::write_bytes(dir / "empty.png", {});
  message = error_of([&] { read_image(dir / "empty.png"); });
  EXPECT_EQ(message, "image " + (dir / "empty.png") + " is empty (0 bytes)");

  testing::write_text(dir / "text.png", "not an image at all");
  message = error_of([&] { read_image(dir / "text.png"); });
  EXPECT_EQ(message.rfind("cannot decode image " + (dir / "text.png"), 0), 0u) << message;
}

TEST(ImageIo, WriteImageCreatesFoldersAndLeavesNoTemporaryFile) {
  TempDir dir;
  const cv::Mat image = testing::solid(5, 4, {1, 2, 3});
  write_image(dir / "a/b/out.png", image);
  EXPECT_EQ(cv::norm(read_image(dir / "a/b/out.png"), image, cv::NORM_INF), 0.0);
  size_t n_files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir / "a/b")) {
    (void)entry;
    ++n_files;
  }
  EXPECT_EQ(n_files, 1u);

  const std::string message = error_of([&] { write_image(dir / "out.xyz", image); });
  EXPECT_NE(message.find("unknown extension '.xyz'"), std::string::npos) << message;
}

TEST(ImageIo, ListImagesFindsExtensionsInAnyCaseRecursivelySorted) {
  TempDir dir;
  for (const char* name : {"b.PNG", "a.jpg", "sub/c.JpEg", "sub/deeper/d.tiff", "e.webp"}) {
    testing::write_text(dir / name, "x");
  }
  testing::write_text(dir / "notes.txt", "x");
  testing::write_text(dir / ".hidden.png", "x");
  testing::write_text(dir / ".cache/f.png", "x");

  const std::vector<std::string> expected = {dir / "a.jpg", dir / "b.PNG", dir / "e.webp",
                                             dir / "sub/c.JpEg", dir / "sub/deeper/d.tiff"};
  EXPECT_EQ(list_images(dir.str()), expected);
  EXPECT_EQ(error_of([&] { list_images(dir / "nope"); }),
            "image folder not found: " + (dir / "nope"));
}

TEST(ImageIo, TensorToImageRoundTripsEightBitExactly) {
  cv::Mat image(7, 9, CV_8UC3);
  cv::randu(image, 0, 256);
  EXPECT_EQ(cv::norm(tensor_to_image(image_to_tensor(image, 3)), image, cv::NORM_INF), 0.0);
  EXPECT_THROW(tensor_to_image(torch::zeros({2, 4, 4})), std::invalid_argument);
}

// Corrupt entropy-coded data decodes to garbage with a libjpeg warning on stderr; read_image
// refuses it by name instead (TurboJPEG reports the warning; OpenCV's decoder does not).
TEST(ImageIo, CorruptJpegDataIsRefusedByName) {
  if (jpeg_decoder() != "TurboJPEG") GTEST_SKIP() << "built without TurboJPEG";
  TempDir dir;
  cv::Mat image(128, 128, CV_8UC3);
  cv::randu(image, 0, 256);
  std::vector<unsigned char> bytes;
  ASSERT_TRUE(cv::imencode(".jpg", image, bytes));
  std::mt19937 random(3);
  for (size_t i = bytes.size() / 2; i < bytes.size() / 2 + 200; ++i) bytes[i] = uint8_t(random());
  testing::write_bytes(dir / "garbled.jpg", bytes);
  const std::string message = error_of([&] { read_image(dir / "garbled.jpg"); });
  EXPECT_NE(message.find(dir / "garbled.jpg" + " is a corrupt JPEG (libjpeg: "), std::string::npos)
      << message;
}

TEST(ImageIo, BrokenLinksAndPipesAreListedAndRefusedByName) {
  TempDir dir;
  write_image(dir / "good.png", testing::solid(8, 8, {0, 0, 255}));
  fs::create_symlink(dir / "missing.png", dir / "link.jpg");
  ASSERT_EQ(::mkfifo((dir / "pipe.jpg").c_str(), 0600), 0);
  EXPECT_EQ(list_images(dir.str()),
            (std::vector<std::string>{dir / "good.png", dir / "link.jpg", dir / "pipe.jpg"}));
  EXPECT_NE(
      error_of([&] {
        read_image(dir / "link.jpg");
      }).find("link.jpg is a symbolic link to " + dir / "missing.png" + ", which does not exist"),
      std::string::npos);
  EXPECT_NE(error_of([&] { read_image(dir / "pipe.jpg"); }).find("pipe.jpg is not a regular file"),
            std::string::npos);  // and returns: a pipe is not opened
}

TEST(ImageIo, AFolderReachedTwiceThroughLinksIsListedOnce) {
  TempDir dir;
  write_image(dir / "a/x.png", testing::solid(8, 8, {0, 0, 255}));
  fs::create_directory_symlink(dir / "a", dir / "a/loop");  // a/loop/loop/... forever
  fs::create_directory_symlink(dir / "a", dir / "again");
  EXPECT_EQ(list_images(dir.str()), (std::vector<std::string>{dir / "a/x.png"}));
}

}  // namespace
}  // namespace pix2pix
