#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>

#include "pix2pix/checkpoint.h"
#include "pix2pix/evaluate.h"
#include "pix2pix/model.h"
#include "pix2pix/options.h"

namespace pix2pix {

// Points where tests reach into a run.
struct TrainHooks {
  // After each optimisation step, with the global step (a test poisons a weight to force a NaN).
  std::function<void(int64_t global_step, Pix2PixModel& model)> after_step;
  // Passed to every checkpoint write.
  WriteProgressHook checkpoint_write;
};

struct TrainResult {
  std::filesystem::path run;
  int64_t global_step = 0;
  int64_t next_epoch = 1;                     // the epoch a resume would continue in
  bool interrupted = false;                   // stopped by SIGINT or SIGTERM after writing latest
  int stop_signal = 0;                        // the signal that stopped it, when interrupted
  std::optional<HeldOutComparison> held_out;  // with eval_phase
};

// Trains (or with options.resume continues) a run: checks everything first (see prepare_run),
// then writes the run folder (options.yaml, train.log, losses.csv, samples/, loss_curves.png,
// index.html, latest.pt and <epoch>.pt, val.csv and val_curves.png when a val phase exists,
// heldout.yaml with eval_phase). SIGINT and SIGTERM finish the step, write latest and return
// with `interrupted`. Throws std::runtime_error on a NaN or Inf loss, leaving the last
// checkpoint as it was.
TrainResult train(const ResolvedOptions& options, const TrainHooks& hooks = {});

}  // namespace pix2pix
