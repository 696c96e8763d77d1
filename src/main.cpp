#include "pix2pix/cli.h"

int main(int argc, char** argv) {
  return pix2pix::run_cli(argc, argv);
}
