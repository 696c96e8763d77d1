#pragma once

#include <torch/torch.h>

#include <opencv2/core.hpp>

#include <string>
#include <vector>

namespace pix2pix {

// Reads an image as 8-bit or 16-bit, 1 or 3 channels, BGR as OpenCV gives it: EXIF orientation
// applied (JPEG), alpha dropped (with a one-time warning), 16-bit kept as 16-bit.
// Throws std::runtime_error naming the file when it is missing, empty, unreadable, corrupt, a
// truncated JPEG (checked by its end-of-image marker), or of another depth (32-bit float).
// JPEGs are decoded by TurboJPEG where the build has it (the same pixels as OpenCV's decoder,
// without its extra colour pass), by OpenCV otherwise and for what TurboJPEG declines.
// `exif_orientation`, when given, receives the orientation applied (1-8; 1 for none).
cv::Mat read_image(const std::string& path, int* exif_orientation = nullptr);

// The JPEG decoder read_image uses first: "TurboJPEG" or "OpenCV".
std::string jpeg_decoder();

// TurboJPEG's decode of a JPEG file's bytes, BGR or gray; empty when the build lacks TurboJPEG or
// TurboJPEG declines the file (read_image then asks OpenCV). Corrupt data gives an empty Mat and
// libjpeg's complaint in `warning` (read_image refuses such a file by name).
cv::Mat decode_jpeg_with_turbojpeg(const std::vector<unsigned char>& bytes,
                                   std::string* warning = nullptr);

// Image (any depth, 1 or 3 channels, BGR) -> float tensor [channels, H, W] in [-1, 1], RGB
// order; channels 1 converts to grayscale, 3 expands grayscale. 16-bit is scaled by 65535.
torch::Tensor image_to_tensor(const cv::Mat& image, int channels);

// Tensor [C, H, W] (C 1 or 3, RGB, [-1, 1]) -> 8-bit BGR or grayscale image.
cv::Mat tensor_to_image(const torch::Tensor& tensor);

// Writes to a temporary name in the same folder and renames, so that a reader never sees a
// half-written file. Creates parent folders. Throws naming the path on failure.
void write_image(const std::string& path, const cv::Mat& image);

// Image files (jpg, jpeg, png, bmp, ppm, tif, tiff, webp, any case) under `folder` and its
// subfolders, sorted. Hidden files and folders (names starting with '.') are skipped.
// Throws when the folder does not exist.
std::vector<std::string> list_images(const std::string& folder);

// Whether `path` has one of the image extensions above.
bool is_image_file(const std::string& path);

}  // namespace pix2pix
