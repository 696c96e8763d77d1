#pragma once

#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "pix2pix/image_io.h"

namespace pix2pix::testing {

// Message of the exception `fn` throws, or a test failure when it throws none.
template <typename Fn>
std::string error_of(Fn fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an exception";
  return "";
}

// A fresh folder under the system's temporary folder, removed with its contents at the end.
class TempDir {
 public:
  TempDir() {
    std::random_device random;
    path_ = std::filesystem::temp_directory_path() /
            ("pix2pix_test_" + std::to_string(random()) + std::to_string(random()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string str() const { return path_.string(); }
  std::string operator/(const std::string& relative) const { return (path_ / relative).string(); }

 private:
  std::filesystem::path path_;
};

inline cv::Mat solid(int width, int height, cv::Scalar bgr, int type = CV_8UC3) {
  return cv::Mat(height, width, type, bgr);
}

inline void write_bytes(const std::string& path, const std::vector<unsigned char>& bytes) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

inline void write_text(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

// A JPEG with an EXIF APP1 segment holding only the orientation tag.
inline std::vector<unsigned char> jpeg_with_orientation(const cv::Mat& image,
                                                        uint16_t orientation) {
  std::vector<unsigned char> jpeg;
  cv::imencode(".jpg", image, jpeg);
  const std::vector<unsigned char> tiff = {'M',
                                           'M',
                                           0,
                                           42,
                                           0,
                                           0,
                                           0,
                                           8,  // big-endian, IFD0 at offset 8
                                           0,
                                           1,  // one entry
                                           0x01,
                                           0x12,
                                           0,
                                           3,
                                           0,
                                           0,
                                           0,
                                           1,  // orientation, SHORT, count 1
                                           uint8_t(orientation >> 8),
                                           uint8_t(orientation),
                                           0,
                                           0,  // value
                                           0,
                                           0,
                                           0,
                                           0};  // no next IFD
  std::vector<unsigned char> app1 = {0xFF, 0xE1, 0, 0, 'E', 'x', 'i', 'f', 0, 0};
  app1.insert(app1.end(), tiff.begin(), tiff.end());
  const size_t length = app1.size() - 2;
  app1[2] = uint8_t(length >> 8);
  app1[3] = uint8_t(length);
  jpeg.insert(jpeg.begin() + 2, app1.begin(), app1.end());
  return jpeg;
}

}  // namespace pix2pix::testing
