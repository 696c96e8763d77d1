#include "pix2pix/commands.h"

#include <stdexcept>

namespace pix2pix {

// PENDING: replaced by the data subcommand's implementation.
int command_data(const Args&) {
  throw std::runtime_error("'data' is not built yet");
}

}  // namespace pix2pix
