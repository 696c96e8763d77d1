#include "pix2pix/commands.h"

#include <stdexcept>

namespace pix2pix {

// PENDING: replaced by the test subcommand's implementation.
int command_test(const Args&) {
  throw std::runtime_error("'test' is not built yet");
}

}  // namespace pix2pix
