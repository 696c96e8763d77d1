#include "pix2pix/cli.h"
#include "pix2pix/commands.h"
#include "pix2pix/run_setup.h"
#include "pix2pix/trainer.h"

namespace pix2pix {

// pix2pix train [options] | pix2pix train --resume RUN
// An interrupted run (SIGINT, SIGTERM) has written latest and exits 0.
int command_train(const Args& args) {
  const ResolvedOptions options = parse_options("train", args, kTrainGroups);
  train(options);
  return 0;
}

}  // namespace pix2pix
