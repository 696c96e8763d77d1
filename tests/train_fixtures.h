#pragma once

#include <unistd.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "pix2pix/cli.h"
#include "pix2pix/options.h"
#include "pix2pix/run_setup.h"

namespace pix2pix::testing {

// A fresh folder under the system's temporary folder for one test.
inline std::filesystem::path fresh_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("p2p_train_" + name + "_" + std::to_string(::getpid()));
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  std::filesystem::create_directories(dir);
  return dir;
}

// Removes the folders of fresh_dir() at the end of a test that passed (kept for a look otherwise).
class TempFolders {
 public:
  std::filesystem::path make(const std::string& name) {
    folders_.push_back(fresh_dir(name));
    return folders_.back();
  }
  void remove_all() {
    std::error_code ignored;
    for (const auto& folder : folders_) std::filesystem::remove_all(folder, ignored);
    folders_.clear();
  }

 private:
  std::vector<std::filesystem::path> folders_;
};

// Aligned pairs A|B of `size` x `size`: A is a drawing of random shapes' outlines, B the same
// shapes filled with colours, as an edges -> photo task.
inline void write_pairs(const std::filesystem::path& folder, int count, int size, unsigned seed) {
  std::filesystem::create_directories(folder);
  std::mt19937 random(seed);
  std::uniform_int_distribution<int> coord(0, size - 1), radius(4, size / 3), colour(40, 255);
  for (int i = 0; i < count; ++i) {
    cv::Mat a(size, size, CV_8UC3, cv::Scalar(0, 0, 0));
    cv::Mat b(size, size, CV_8UC3, cv::Scalar(230, 230, 230));
    for (int k = 0; k < 3; ++k) {
      const cv::Point centre(coord(random), coord(random));
      const int r = radius(random);
      cv::circle(b, centre, r, cv::Scalar(colour(random), colour(random), colour(random)), -1);
      cv::circle(a, centre, r, cv::Scalar(255, 255, 255), 1);
    }
    cv::Mat pair;
    cv::hconcat(a, b, pair);
    cv::imwrite((folder / (std::to_string(i) + ".png")).string(), pair);
  }
}

// train/ (8 pairs), val/ (2) and test/ (2) of 64 x 64 pairs.
inline std::filesystem::path write_dataset(const std::filesystem::path& root) {
  write_pairs(root / "train", 8, 64, 1);
  write_pairs(root / "val", 2, 64, 2);
  write_pairs(root / "test", 2, 64, 3);
  return root;
}

// Command-line arguments of a tiny run: 64 x 64 crops, 8 filters, batch 2, 2 epochs.
inline std::vector<std::string> tiny_args(const std::filesystem::path& data,
                                          const std::filesystem::path& checkpoints,
                                          const std::string& name) {
  return {"--dataroot",
          data.string(),
          "--checkpoints_dir",
          checkpoints.string(),
          "--name",
          name,
          "--load_size",
          "64",
          "--crop_size",
          "64",
          "--netG",
          "resnet_6blocks",
          "--ngf",
          "8",
          "--ndf",
          "8",
          "--batch_size",
          "2",
          "--n_epochs",
          "1",
          "--n_epochs_decay",
          "1",
          "--num_threads",
          "1",
          "--device",
          "cpu",
          "--print_freq",
          "1",
          "--display_freq",
          "3",
          "--save_latest_freq",
          "3",
          "--save_epoch_freq",
          "1"};
}

inline ResolvedOptions parse_train(std::vector<std::string> args,
                                   const std::vector<std::string>& extra = {}) {
  args.insert(args.end(), extra.begin(), extra.end());
  return parse_options("train", args, kTrainGroups);
}

}  // namespace pix2pix::testing
