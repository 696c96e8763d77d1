#pragma once

#include <opencv2/core.hpp>

#include <cstdint>
#include <string>

#include "pix2pix/options.h"

namespace pix2pix {

// How images are resized and cropped before they reach the network (the `preprocess` option).
struct TransformConfig {
  std::string preprocess = "resize_and_crop";  // see Options::preprocess
  int load_size = 286;
  int crop_size = 256;
  bool flip = true;       // random horizontal flip
  int size_multiple = 4;  // preprocess none: sizes are rounded to a multiple of this
};

// preprocess, load_size, crop_size and flip from the options; size_multiple as given.
TransformConfig transform_config(const Options& options, int size_multiple);

// The sizes the generator `netG` accepts are multiples of this: 256 for unet_256, 128 for
// unet_128, 4 for the ResNet generators.
int network_size_multiple(const std::string& netG);

// The random part of one transform, drawn once per pair and applied to A and B alike.
struct TransformDraw {
  int crop_x = 0;  // top-left corner of the crop in the resized image
  int crop_y = 0;
  bool flip = false;
};

// A small, portable generator (splitmix64): the same seed gives the same draws on every
// platform, unlike the standard distributions.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next();
  uint64_t below(uint64_t n);  // uniform in [0, n); n > 0
 private:
  uint64_t state_;
};

// Mixes several numbers into one well-spread seed.
uint64_t mix_seed(uint64_t a, uint64_t b, uint64_t c = 0);

// Whether `preprocess` ends in a random crop (resize_and_crop, crop, scale_width_and_crop).
bool preprocess_crops(const std::string& preprocess);

// The size of an image of `size` after the resize step (before any crop).
cv::Size resized_size(const TransformConfig& config, cv::Size size);

// Why an image of `size` cannot be transformed (a crop larger than the resized image), or an
// empty string when it can.
std::string transform_problem(const TransformConfig& config, cv::Size size);

// Draws crop offsets and the flip for an image of `size`.
// Throws std::runtime_error naming `path` and both sizes when the crop does not fit.
TransformDraw draw_transform(const TransformConfig& config, cv::Size size, SplitMix64& rng,
                             const std::string& path);

// Resize (bicubic), crop and flip as configured and drawn. Any depth and channel count.
cv::Mat apply_transform(const cv::Mat& image, const TransformConfig& config,
                        const TransformDraw& draw);

}  // namespace pix2pix
