#include "pix2pix/translate.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "pix2pix/amp.h"

namespace pix2pix {
namespace {

int64_t round_up(int64_t value, int64_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

// Source index of each of the `before + length + after` positions of a reflected axis.
torch::Tensor reflect_indices(int64_t length, int64_t before, int64_t after) {
  std::vector<int64_t> index;
  index.reserve(static_cast<size_t>(before + length + after));
  const int64_t period = 2 * (length - 1);
  for (int64_t i = -before; i < length + after; ++i) {
    if (length == 1) {
      index.push_back(0);
      continue;
    }
    int64_t j = ((i % period) + period) % period;
    index.push_back(j < length ? j : period - j);
  }
  return torch::tensor(index, torch::kLong);
}

// One forward pass on `device`, back to float32 on `home`.
torch::Tensor run_generator(GeneratorImpl& generator, const torch::Tensor& images,
                            const TranslateSettings& settings, torch::Device device,
                            torch::Device home) {
  auto input = images.to(device, torch::kFloat32);
  if (settings.channels_last && device.is_cuda()) {
    input = input.contiguous(torch::MemoryFormat::ChannelsLast);
  }
  AutocastGuard autocast(device.is_cuda() && settings.amp != "none",
                         settings.amp == "bf16" ? torch::kBFloat16 : torch::kFloat16);
  return generator.forward(input).to(home, torch::kFloat32).contiguous();
}

torch::Tensor translate_whole(GeneratorImpl& generator, const torch::Tensor& images,
                              const TranslateSettings& settings, torch::Device device) {
  const auto padding = padding_for(images.size(2), images.size(3), generator.size_multiple());
  const auto output =
      run_generator(generator, reflect_pad(images, padding), settings, device, images.device());
  return crop(output, padding);
}

torch::Tensor translate_tiled(GeneratorImpl& generator, const torch::Tensor& images,
                              const TranslateSettings& settings, torch::Device device) {
  const int64_t tile = settings.tile, overlap = settings.tile_overlap;
  const auto padding = padding_for(images.size(2), images.size(3), 1, tile, tile);
  const auto padded = reflect_pad(images, padding);  // [N, C, >= tile, >= tile]
  const auto rows = tile_starts(padded.size(2), tile, overlap);
  const auto cols = tile_starts(padded.size(3), tile, overlap);

  torch::Tensor sum, weight_sum;
  for (size_t r = 0; r < rows.size(); ++r) {
    const auto ramp_y = feather_ramp(tile, overlap, r > 0, r + 1 < rows.size()).view({-1, 1});
    for (size_t c = 0; c < cols.size(); ++c) {
      const auto ramp_x = feather_ramp(tile, overlap, c > 0, c + 1 < cols.size()).view({1, -1});
      const auto weight = (ramp_y * ramp_x).to(images.device());  // [tile, tile]
      const auto window = padded.narrow(2, rows[r], tile).narrow(3, cols[c], tile);
      const auto output = run_generator(generator, window, settings, device, images.device());
      if (!sum.defined()) {
        sum = torch::zeros({images.size(0), output.size(1), padded.size(2), padded.size(3)},
                           output.options());
        weight_sum = torch::zeros({padded.size(2), padded.size(3)}, output.options());
      }
      sum.narrow(2, rows[r], tile).narrow(3, cols[c], tile).add_(output * weight);
      weight_sum.narrow(0, rows[r], tile).narrow(1, cols[c], tile).add_(weight);
    }
  }
  return crop(sum / weight_sum, padding);
}

}  // namespace

void check_tile_settings(const TranslateSettings& settings, int64_t multiple) {
  if (settings.tile <= 0) return;
  if (settings.tile % multiple != 0) {
    const int64_t below = std::max(multiple, settings.tile / multiple * multiple);
    const int64_t above = round_up(settings.tile, multiple);
    throw std::invalid_argument(
        "tile " + std::to_string(settings.tile) + " is not a multiple of " +
        std::to_string(multiple) + ", which this generator needs; use --tile " +
        std::to_string(below) + (above != below ? " or " + std::to_string(above) : ""));
  }
  if (settings.tile_overlap < 0 || 2 * settings.tile_overlap > settings.tile) {
    throw std::invalid_argument("tile_overlap " + std::to_string(settings.tile_overlap) +
                                " must be between 0 and half the tile (" +
                                std::to_string(settings.tile / 2) + ")");
  }
}

TranslateSettings translate_settings(const Options& options) {
  TranslateSettings s;
  s.tile = options.tile;
  s.tile_overlap = options.tile_overlap;
  s.resize_to = options.resize_to;
  s.amp = options.amp;
  s.channels_last = options.channels_last;
  return s;
}

Padding padding_for(int64_t height, int64_t width, int64_t multiple, int64_t min_height,
                    int64_t min_width) {
  const int64_t extra_h = round_up(std::max(height, min_height), multiple) - height;
  const int64_t extra_w = round_up(std::max(width, min_width), multiple) - width;
  return {extra_h / 2, extra_h - extra_h / 2, extra_w / 2, extra_w - extra_w / 2};
}

torch::Tensor reflect_pad(const torch::Tensor& images, const Padding& p) {
  if (p.top == 0 && p.bottom == 0 && p.left == 0 && p.right == 0) return images;
  const auto device = images.device();
  return images.index_select(2, reflect_indices(images.size(2), p.top, p.bottom).to(device))
      .index_select(3, reflect_indices(images.size(3), p.left, p.right).to(device));
}

torch::Tensor crop(const torch::Tensor& images, const Padding& p) {
  return images.narrow(2, p.top, images.size(2) - p.top - p.bottom)
      .narrow(3, p.left, images.size(3) - p.left - p.right);
}

std::vector<int64_t> tile_starts(int64_t length, int64_t tile, int64_t overlap) {
  if (overlap < 0 || overlap >= tile) {
    throw std::invalid_argument("tile overlap " + std::to_string(overlap) +
                                " must be at least 0 and less than the tile " +
                                std::to_string(tile));
  }
  if (length <= tile) return {0};
  const int64_t stride = tile - overlap;
  const int64_t n_tiles = 1 + (length - tile + stride - 1) / stride;  // ceil
  std::vector<int64_t> starts;
  for (int64_t i = 0; i < n_tiles; ++i) {
    // Even spacing: neighbours share at least `overlap` pixels.
    starts.push_back(static_cast<int64_t>(
        std::llround(static_cast<double>(i) * (length - tile) / (n_tiles - 1))));
  }
  return starts;
}

torch::Tensor feather_ramp(int64_t tile, int64_t overlap, bool ramp_before, bool ramp_after) {
  auto ramp = torch::ones({tile});
  if (overlap <= 0) return ramp;
  // (i + 0.5) / overlap: never zero, so that every pixel has weight.
  const auto rising = (torch::arange(overlap, torch::kFloat32) + 0.5) / overlap;
  if (ramp_before) ramp.narrow(0, 0, overlap).copy_(rising);
  if (ramp_after) {
    auto end = ramp.narrow(0, tile - overlap, overlap);
    end.copy_(torch::minimum(end, rising.flip(0)));
  }
  return ramp;
}

torch::Tensor translate(GeneratorImpl& generator, const torch::Tensor& images,
                        const TranslateSettings& settings, torch::Device device) {
  if (images.dim() != 4) {
    throw std::invalid_argument("translate expects images [N, C, H, W]; got " +
                                std::to_string(images.dim()) + " dimensions");
  }
  const int64_t multiple = generator.size_multiple();
  check_tile_settings(settings, multiple);
  torch::NoGradGuard no_grad;

  // resize_to: the generator sees a square, and the output returns to the input's size.
  auto input = images;
  if (settings.resize_to > 0) {
    namespace F = torch::nn::functional;
    input = F::interpolate(images.to(torch::kFloat32),
                           F::InterpolateFuncOptions()
                               .size(std::vector<int64_t>{settings.resize_to, settings.resize_to})
                               .mode(torch::kBilinear)
                               .align_corners(false)
                               .antialias(true));
  }

  const bool tiled =
      settings.tile > 0 && (input.size(2) > settings.tile || input.size(3) > settings.tile);
  auto output = tiled ? translate_tiled(generator, input, settings, device)
                      : translate_whole(generator, input, settings, device);

  if (settings.resize_to > 0) {
    namespace F = torch::nn::functional;
    output = F::interpolate(output, F::InterpolateFuncOptions()
                                        .size(std::vector<int64_t>{images.size(2), images.size(3)})
                                        .mode(torch::kBilinear)
                                        .align_corners(false)
                                        .antialias(true))
                 .clamp(-1, 1);
  }
  return output;
}

}  // namespace pix2pix
