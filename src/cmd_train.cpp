#include "pix2pix/commands.h"

#include <stdexcept>

namespace pix2pix {

// PENDING: replaced by the train subcommand's implementation.
int command_train(const Args&) {
  throw std::runtime_error("'train' is not built yet");
}

}  // namespace pix2pix
