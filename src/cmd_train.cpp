#include "pix2pix/cli.h"
#include "pix2pix/commands.h"
#include "pix2pix/run_setup.h"
#include "pix2pix/trainer.h"

namespace pix2pix {

// pix2pix train [options] | pix2pix train --resume RUN
// An interrupted run (SIGINT, SIGTERM) has written latest and exits 128 + the signal, as a
// shell reports a process the signal ended, so that `train && test` does not go on to test a
// half-trained run.
int command_train(const Args& args) {
  const ResolvedOptions options = parse_options("train", args, kTrainGroups);
  const TrainResult result = train(options);
  return result.interrupted ? 128 + result.stop_signal : 0;
}

}  // namespace pix2pix
