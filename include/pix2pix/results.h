#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pix2pix/metrics.h"

namespace pix2pix {

// Output names for inputs given by their paths relative to the input folder: the same relative
// path and stem with the extension of `format` (png, jpg, ...). Inputs whose names would
// collide (photo.jpg and photo.png in one folder) keep their extension in the stem (photo_jpg).
std::vector<std::filesystem::path> output_names(const std::vector<std::filesystem::path>& inputs,
                                                const std::string& format);

// `path` relative to `base` when it lies inside it, otherwise its file name alone.
std::filesystem::path relative_name(const std::filesystem::path& path,
                                    const std::filesystem::path& base);

// One translated image as the report shows it; page paths are relative to the output folder.
struct ResultRow {
  std::string name;  // the input's relative path
  int64_t width = 0, height = 0;
  std::string input_image, output_image, target_image;  // target empty when unpaired
  std::optional<ImageQuality> metrics;                  // paired sets only
};

// Mean of the rows' metrics (SSIM over the rows that have it); nullopt when no row has any.
std::optional<ImageQuality> mean_metrics(const std::vector<ResultRow>& rows);

// name,width,height,l1,psnr,ssim: one line an image, then a line "mean". Throws naming the path.
void write_metrics_csv(const std::filesystem::path& path, const std::vector<ResultRow>& rows);

// A self-contained page: input | output | target rows with the metrics, the failures at the top.
// Throws naming the path when it cannot be written.
void write_results_page(const std::filesystem::path& path, const std::string& title,
                        const std::vector<ResultRow>& rows,
                        const std::vector<std::pair<std::string, std::string>>& failures);

}  // namespace pix2pix
