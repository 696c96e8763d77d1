#pragma once

#include <torch/torch.h>

#include <opencv2/core.hpp>

#include "pix2pix/transforms.h"

namespace pix2pix {

// image_to_tensor(apply_transform(image, config, draw), channels), in one pass over the pixels
// where it can be: an 8-bit image with the channel count asked for, resized by the transform.
// Only the crop is interpolated, the flip reverses a column table, and the result goes straight
// into RGB planes in [-1, 1]. The arithmetic is OpenCV's for 8-bit INTER_CUBIC (A = -0.75,
// coefficients rounded to 1/2048, edges replicated), so a pixel differs from the two-step result
// by at most one level of 255, and rarely by that. Every other case takes the two steps.
torch::Tensor transform_to_tensor(const cv::Mat& image, const TransformConfig& config,
                                  const TransformDraw& draw, int channels);

// Whether transform_to_tensor takes its one-pass route for this image and request.
bool transform_is_fused(const cv::Mat& image, const TransformConfig& config, int channels);

}  // namespace pix2pix
