#include "pix2pix/transforms.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace pix2pix {
namespace {

std::string size_text(cv::Size size) {
  return std::to_string(size.width) + "x" + std::to_string(size.height);
}

int round_to_multiple(int value, int multiple) {
  const int rounded = static_cast<int>(std::lround(double(value) / multiple)) * multiple;
  return std::max(rounded, multiple);
}

}  // namespace

bool preprocess_crops(const std::string& preprocess) {
  return preprocess == "resize_and_crop" || preprocess == "crop" ||
         preprocess == "scale_width_and_crop";
}

TransformConfig transform_config(const Options& options, int size_multiple) {
  TransformConfig config;
  config.preprocess = options.preprocess;
  config.load_size = options.load_size;
  config.crop_size = options.crop_size;
  config.flip = !options.no_flip;
  config.size_multiple = size_multiple;
  return config;
}

int network_size_multiple(const std::string& netG) {
  if (netG == "unet_256") return 256;
  if (netG == "unet_128") return 128;
  return 4;  // ResNet generators: two stride-2 downsamplings
}

uint64_t SplitMix64::next() {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t SplitMix64::below(uint64_t n) {
  return n == 0 ? 0 : next() % n;  // bias below 2^-40 for image-sized n
}

uint64_t mix_seed(uint64_t a, uint64_t b, uint64_t c) {
  SplitMix64 rng(a);
  uint64_t h = rng.next();
  h = SplitMix64(h ^ b).next();
  return SplitMix64(h ^ c).next();
}

cv::Size resized_size(const TransformConfig& config, cv::Size size) {
  const std::string& p = config.preprocess;
  if (p == "resize_and_crop") return {config.load_size, config.load_size};
  if (p == "scale_width" || p == "scale_width_and_crop") {
    // as the reference: the height follows the aspect ratio but never drops below the crop
    if (size.width == config.load_size && size.height >= config.crop_size) return size;
    const int height = std::max(
        static_cast<int>(double(config.load_size) * size.height / size.width), config.crop_size);
    return {config.load_size, height};
  }
  if (p == "none") {
    return {round_to_multiple(size.width, config.size_multiple),
            round_to_multiple(size.height, config.size_multiple)};
  }
  return size;  // crop
}

std::string transform_problem(const TransformConfig& config, cv::Size size) {
  if (config.preprocess == "scale_width") {
    // the output is the resized image itself: the generator must be able to take its size
    const cv::Size resized = resized_size(config, size);
    const int m = config.size_multiple;
    if (resized.width % m == 0 && resized.height % m == 0) return "";
    return "preprocess scale_width makes it " + size_text(resized) + " (from " + size_text(size) +
           "), but the generator needs sides that are multiples of " + std::to_string(m) +
           "; use scale_width_and_crop, or preprocess none (which rounds the size)";
  }
  if (!preprocess_crops(config.preprocess)) return "";
  const cv::Size resized = resized_size(config, size);
  if (resized.width >= config.crop_size && resized.height >= config.crop_size) return "";
  std::string text = "crop_size " + std::to_string(config.crop_size) + " is larger than the ";
  if (resized == size) return text + "image (" + size_text(size) + ")";
  return text + "resized image (" + size_text(size) + " resized to " + size_text(resized) + ")";
}

TransformDraw draw_transform(const TransformConfig& config, cv::Size size, SplitMix64& rng,
                             const std::string& path) {
  const std::string problem = transform_problem(config, size);
  if (!problem.empty()) {
    throw std::runtime_error(path + ": " + problem +
                             "; lower crop_size or use larger images (see pix2pix data check)");
  }
  TransformDraw draw;
  if (preprocess_crops(config.preprocess)) {
    const cv::Size resized = resized_size(config, size);
    draw.crop_x = static_cast<int>(rng.below(uint64_t(resized.width - config.crop_size) + 1));
    draw.crop_y = static_cast<int>(rng.below(uint64_t(resized.height - config.crop_size) + 1));
  }
  // the flip is drawn even when off, so that turning it off leaves the crops unchanged
  const bool flip = rng.below(2) == 1;
  draw.flip = config.flip && flip;
  return draw;
}

cv::Mat apply_transform(const cv::Mat& image, const TransformConfig& config,
                        const TransformDraw& draw) {
  cv::Mat out = image;
  const cv::Size resized = resized_size(config, image.size());
  if (resized != image.size()) cv::resize(image, out, resized, 0, 0, cv::INTER_CUBIC);
  if (preprocess_crops(config.preprocess)) {
    out = out(cv::Rect(draw.crop_x, draw.crop_y, config.crop_size, config.crop_size));
  }
  if (draw.flip) {
    cv::Mat flipped;
    cv::flip(out, flipped, 1);
    return flipped;
  }
  return out;
}

}  // namespace pix2pix
