#include "pix2pix/commands.h"

#include <stdexcept>

namespace pix2pix {

// PENDING: replaced by the import/export implementation.
int command_import(const Args&) {
  throw std::runtime_error("'import' is not built yet");
}
int command_export(const Args&) {
  throw std::runtime_error("'export' is not built yet");
}

}  // namespace pix2pix
