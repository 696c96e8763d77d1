#include "pix2pix/commands.h"

#include <stdexcept>

namespace pix2pix {

// PENDING: replaced by the bench subcommand's implementation.
int command_bench(const Args&) {
  throw std::runtime_error("'bench' is not built yet");
}

}  // namespace pix2pix
