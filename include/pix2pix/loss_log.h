#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace pix2pix {

// One optimisation step's record.
struct LossRow {
  int64_t epoch = 0;
  int64_t step = 0;            // global step, from 1
  std::vector<double> losses;  // in the order of the model's loss names
  double lr = 0.0;
  double step_time = 0.0;  // seconds from the end of the previous step
  double data_wait = 0.0;  // seconds of that spent waiting for the batch
};

// losses.csv: header "epoch,step,<loss names>,lr,step_time,data_wait", one row a step.
class LossLog {
 public:
  // Starts a new file, or with `resume` reads the existing one and drops rows after
  // `last_step` (steps trained after the checkpoint being resumed from). Throws naming the
  // file when it cannot be written, or on resume when its columns differ from `loss_names`.
  LossLog(std::filesystem::path path, std::vector<std::string> loss_names, bool resume,
          int64_t last_step);

  void append(const std::vector<LossRow>& rows);  // writes and flushes
  const std::vector<LossRow>& rows() const { return rows_; }
  const std::vector<std::string>& loss_names() const { return loss_names_; }

 private:
  std::string header() const;
  std::filesystem::path path_;
  std::vector<std::string> loss_names_;
  std::vector<LossRow> rows_;
};

}  // namespace pix2pix
