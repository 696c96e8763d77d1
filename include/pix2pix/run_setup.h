#pragma once

#include <memory>

#include "pix2pix/dataset.h"
#include "pix2pix/options.h"
#include "pix2pix/run_files.h"

namespace pix2pix {

// Option groups a training run records in options.yaml.
constexpr unsigned kTrainGroups = kGroupData | kGroupNetwork | kGroupTrain | kGroupDevice;

// A training run ready to start or continue.
struct PreparedRun {
  RunFolder folder;
  ResolvedOptions options;  // effective: the stored ones on resume, with the overrides given
  bool resume = false;
  std::shared_ptr<const PairedDataset> train_set;  // checked to hold pairs
};

// Everything that can be checked before any work, in this order: the resumed run exists, has a
// latest checkpoint and its networks match any network option given; the data root exists and
// its train phase has pairs; the run folder can be written; a new run does not replace an
// existing one unless `overwrite` (then the earlier run's files are removed). Creates the folder.
// Throws std::runtime_error naming the path or option and the fix.
PreparedRun prepare_run(const ResolvedOptions& given);

}  // namespace pix2pix
