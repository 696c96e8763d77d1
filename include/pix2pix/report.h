#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "pix2pix/evaluate.h"
#include "pix2pix/loss_log.h"

namespace pix2pix {

// Mean L1 and PSNR of G on the val phase at the end of an epoch.
struct ValidationRow {
  int64_t epoch = 0;
  double mean_l1 = 0.0;
  double psnr = 0.0;
};

// What the run's page shows besides the sample images (found under samples/).
struct ReportContents {
  std::string run_name;
  std::string status;  // e.g. "epoch 3 of 200, step 1200" or "finished"
  std::vector<ValidationRow> validation;
  std::optional<HeldOutComparison> held_out;
};

// One panel a loss and one for the learning rate, over steps (raw values light, a moving
// average dark), drawn with OpenCV into a PNG. Nothing is written when there are no rows.
void write_loss_curves(const std::filesystem::path& png, const LossLog& log);

// Text for an HTML page: & < > " as entities. Both report pages use it.
std::string html_escape(const std::string& text);

// Validation mean L1 and PSNR per epoch.
void write_validation_curves(const std::filesystem::path& png,
                             const std::vector<ValidationRow>& rows);
// val.csv: epoch,mean_L1,PSNR.
void write_validation_csv(const std::filesystem::path& csv, const std::vector<ValidationRow>& rows);
// Its rows of epochs before `before_epoch` (none when the file is missing).
std::vector<ValidationRow> read_validation_csv(const std::filesystem::path& csv,
                                               int64_t before_epoch);

// index.html in `run_root`: status, loss curves, validation, held-out comparison and the
// sample images grouped by epoch, newest first. Relative links only, no scripts: it opens
// offline from the folder.
void write_report(const std::filesystem::path& run_root, const ReportContents& contents);

// Name of a sample image file: samples/epoch007_step00001234.png.
std::string sample_file_name(int64_t epoch, int64_t global_step);

}  // namespace pix2pix
