#include "pix2pix/transform_tensor.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <vector>

#include "pix2pix/image_io.h"

namespace pix2pix {
namespace {

// The four taps of each output position along one axis, as OpenCV's INTER_CUBIC resize places
// and weighs them.
struct Taps {
  std::vector<int> index;     // 4 per position: source positions, clamped to the edge
  std::vector<float> weight;  // 4 per position
};

// Outputs first .. first + count - 1 of a resize from `source` to `target` positions, in
// reverse order when `reverse`. Each weight is OpenCV's 1/2048 fixed-point coefficient times
// `unit`.
Taps cubic_taps(int source, int target, int first, int count, bool reverse, float unit) {
  const double scale = 1.0 / (double(target) / source);
  const float a = -0.75f;
  Taps taps;
  taps.index.resize(size_t(count) * 4);
  taps.weight.resize(size_t(count) * 4);
  for (int i = 0; i < count; ++i) {
    const int d = first + (reverse ? count - 1 - i : i);
    float f = static_cast<float>((d + 0.5) * scale - 0.5);
    const int s = static_cast<int>(std::floor(f));
    f -= static_cast<float>(s);
    float c[4];
    c[0] = ((a * (f + 1) - 5 * a) * (f + 1) + 8 * a) * (f + 1) - 4 * a;
    c[1] = ((a + 2) * f - (a + 3)) * f * f + 1;
    c[2] = ((a + 2) * (1 - f) - (a + 3)) * (1 - f) * (1 - f) + 1;
    c[3] = 1.f - c[0] - c[1] - c[2];
    for (int k = 0; k < 4; ++k) {
      taps.index[size_t(i) * 4 + k] = std::clamp(s - 1 + k, 0, source - 1);
      const long fixed = std::lrint(c[k] * 2048.f);
      taps.weight[size_t(i) * 4 + k] =
          static_cast<float>(std::clamp(fixed, -32768L, 32767L)) * unit;
    }
  }
  return taps;
}

// One source row, filtered along x at the output columns: out[i * C + c]. The sums are whole
// numbers below 2^24, so float holds them exactly, as OpenCV's int does. Where the taps lie
// close together (upscales, mild downscales), the source columns first..last that they reach
// are widened to float once (`wide`, a vectorised pass) and the taps read floats; where they lie
// far apart, each tap converts its own byte.
template <int C>
void filter_row(const uchar* row, int first, int last, bool widen, const Taps& columns, int width,
                float* __restrict wide, float* __restrict out) {
  const int* index = columns.index.data();
  const float* weight = columns.weight.data();
  if (!widen) {
    for (int i = 0; i < width; ++i, index += 4, weight += 4, out += C) {
      for (int c = 0; c < C; ++c) {
        out[c] =
            float(row[index[0] * C + c]) * weight[0] + float(row[index[1] * C + c]) * weight[1] +
            float(row[index[2] * C + c]) * weight[2] + float(row[index[3] * C + c]) * weight[3];
      }
    }
    return;
  }
  const uchar* span = row + size_t(first) * C;
  for (int j = 0; j < (last - first + 1) * C; ++j) wide[j] = float(span[j]);
  wide -= size_t(first) * C;  // indexed by source column from here on
  for (int i = 0; i < width; ++i, index += 4, weight += 4, out += C) {
    const float* p0 = wide + index[0] * C;
    const float* p1 = wide + index[1] * C;
    const float* p2 = wide + index[2] * C;
    const float* p3 = wide + index[3] * C;
    for (int c = 0; c < C; ++c) {
      out[c] = p0[c] * weight[0] + p1[c] * weight[1] + p2[c] * weight[2] + p3[c] * weight[3];
    }
  }
}

// The y pass of one output line: OpenCV's order of operations, rounded to nearest (ties to
// even) and saturated to 8 bits as OpenCV stores them, then scaled to [-1, 1] as image_to_tensor
// scales a byte.
void filter_column(const float* __restrict s0, const float* __restrict s1,
                   const float* __restrict s2, const float* __restrict s3, const float* w, size_t n,
                   float* __restrict out) {
  const float w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3];
  const float round_shift = 12582912.f;  // 1.5 * 2^23: adding it rounds to a whole number
  for (size_t j = 0; j < n; ++j) {
    float v = s0[j] * w0 + (s1[j] * w1 + (s2[j] * w2 + s3[j] * w3));
    // clamped as whole numbers: compilers vectorise integer selects, not float ones that
    // could trap
    int level = static_cast<int>((v + round_shift) - round_shift);
    level = level < 0 ? 0 : level;
    level = level > 255 ? 255 : level;
    out[j] = float(level) / 127.5f - 1.f;
  }
}

template <int C>
torch::Tensor fused(const cv::Mat& image, cv::Size resized, cv::Rect crop, bool flip) {
  const Taps columns = cubic_taps(image.cols, resized.width, crop.x, crop.width, flip, 1.f);
  const Taps rows =
      cubic_taps(image.rows, resized.height, crop.y, crop.height, false, 1.f / (2048 * 2048));
  const int first_row = rows.index.front(), last_row = rows.index.back();
  const size_t stride = size_t(crop.width) * C;

  // x pass over the source rows that the y taps use (all of them between first and last when
  // upscaling, one in every few when downscaling)
  const auto [first_column, last_column] =
      std::minmax_element(columns.index.begin(), columns.index.end());
  const int span = *last_column - *first_column + 1;
  const bool widen = span <= 4 * crop.width;
  std::vector<int> slot(size_t(last_row - first_row + 1), -1);  // row -> its place in `filtered`
  int n_used = 0;
  for (int r : rows.index) {
    if (slot[r - first_row] < 0) slot[r - first_row] = n_used++;
  }
  // every used row is written before it is read: no need to zero some 700 KB per image
  std::unique_ptr<float[]> filtered(new float[size_t(n_used) * stride]);
  std::vector<float> wide(widen ? size_t(span) * C : 0);
  for (int r = first_row; r <= last_row; ++r) {
    if (slot[r - first_row] < 0) continue;
    filter_row<C>(image.ptr<uchar>(r), *first_column, *last_column, widen, columns, crop.width,
                  wide.data(), &filtered[size_t(slot[r - first_row]) * stride]);
  }
  auto filtered_row = [&](int r) { return &filtered[size_t(slot[r - first_row]) * stride]; };

  // y pass, then BGR -> RGB planes
  torch::Tensor tensor = torch::empty({C, crop.height, crop.width}, torch::kFloat32);
  float* planes = tensor.data_ptr<float>();
  const size_t plane_size = size_t(crop.height) * crop.width;
  std::vector<float> line(stride);
  for (int y = 0; y < crop.height; ++y) {
    const int* index = &rows.index[size_t(y) * 4];
    filter_column(filtered_row(index[0]), filtered_row(index[1]), filtered_row(index[2]),
                  filtered_row(index[3]), &rows.weight[size_t(y) * 4], stride, line.data());
    float* out = planes + size_t(y) * crop.width;
    for (int x = 0; x < crop.width; ++x) {
      for (int c = 0; c < C; ++c) out[(C - 1 - c) * plane_size + x] = line[size_t(x) * C + c];
    }
  }
  return tensor;
}

}  // namespace

bool transform_is_fused(const cv::Mat& image, const TransformConfig& config, int channels) {
  return !image.empty() && image.depth() == CV_8U && image.channels() == channels &&
         (channels == 1 || channels == 3) && resized_size(config, image.size()) != image.size();
}

torch::Tensor transform_to_tensor(const cv::Mat& image, const TransformConfig& config,
                                  const TransformDraw& draw, int channels) {
  if (!transform_is_fused(image, config, channels)) {
    return image_to_tensor(apply_transform(image, config, draw), channels);
  }
  const cv::Size resized = resized_size(config, image.size());
  const cv::Rect crop = preprocess_crops(config.preprocess)
                            ? cv::Rect(draw.crop_x, draw.crop_y, config.crop_size, config.crop_size)
                            : cv::Rect(0, 0, resized.width, resized.height);
  if ((crop & cv::Rect(0, 0, resized.width, resized.height)) != crop) {
    throw std::invalid_argument("transform_to_tensor: the crop does not fit the resized image");
  }
  return channels == 3 ? fused<3>(image, resized, crop, draw.flip)
                       : fused<1>(image, resized, crop, draw.flip);
}

}  // namespace pix2pix
