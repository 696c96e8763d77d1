#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "pix2pix/networks.h"
#include "pix2pix/options.h"

namespace pix2pix {

// How a batch of images goes through a generator.
struct TranslateSettings {
  int64_t tile = 0;           // 0: the whole image at once; otherwise the tile edge in pixels
  int64_t tile_overlap = 32;  // pixels shared by neighbouring tiles, blended by linear feathering
  int64_t resize_to = 0;      // 0: each image at its own size; otherwise resized to a square
  std::string amp = "none";   // none | bf16 | fp16: autocast, on CUDA only
  bool channels_last = false;
};

TranslateSettings translate_settings(const Options& options);

// Rows and columns added on each side of an image.
struct Padding {
  int64_t top = 0, bottom = 0, left = 0, right = 0;
};

// The padding that takes H x W up to the next multiples of `multiple` (and to at least
// min_height x min_width), split evenly between the two sides (the odd pixel after).
Padding padding_for(int64_t height, int64_t width, int64_t multiple, int64_t min_height = 0,
                    int64_t min_width = 0);

// Reflection padding of [N, C, H, W] without repeating the edge pixel, like torch's "reflect",
// but for any amount: a pad wider than the image keeps reflecting back and forth.
torch::Tensor reflect_pad(const torch::Tensor& images, const Padding& padding);

// Inverse of reflect_pad's geometry: removes `padding` from [N, C, H, W].
torch::Tensor crop(const torch::Tensor& images, const Padding& padding);

// Starts of tiles of edge `tile` covering [0, length) with at least `overlap` pixels shared by
// neighbours, spread evenly; the first is 0 and the last length - tile. Needs length >= tile.
std::vector<int64_t> tile_starts(int64_t length, int64_t tile, int64_t overlap);

// Blending weight [tile] of a tile along one axis: 1, ramping linearly down to its edge over
// `overlap` pixels on each side that borders another tile (`ramp_before`, `ramp_after`).
torch::Tensor feather_ramp(int64_t tile, int64_t overlap, bool ramp_before, bool ramp_after);

// Throws std::invalid_argument naming the value and a fix when `settings.tile` is not a multiple
// of `multiple` (the generator's size_multiple()) or the overlap does not fit inside a tile.
void check_tile_settings(const TranslateSettings& settings, int64_t multiple);

// Translates [N, input_nc, H, W] in [-1, 1] (on any device) with `generator` (on `device`, in
// the train or eval mode the caller chose): reflect-padded up to the sizes the generator
// accepts and cropped back, or cut into overlapping tiles that are translated one at a time and
// blended, or resized to a square and back. Returns [N, output_nc, H, W] float32 on the input's
// device. Throws std::invalid_argument naming the value when the tile is not a multiple of
// generator.size_multiple() or the overlap does not fit inside a tile.
torch::Tensor translate(GeneratorImpl& generator, const torch::Tensor& images,
                        const TranslateSettings& settings, torch::Device device);

}  // namespace pix2pix
