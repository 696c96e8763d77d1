#include "pix2pix/device.h"

#include <torch/cuda.h>
#include <torch/version.h>

#include <sstream>
#include <stdexcept>

namespace pix2pix {

torch::Device resolve_device(const std::string& spec) {
  if (spec == "auto") return torch::cuda::is_available() ? torch::Device("cuda:0") : torch::kCPU;
  if (spec == "cpu") return torch::kCPU;
  if (spec.rfind("cuda", 0) == 0) {
    if (!torch::cuda::is_available()) {
      throw std::runtime_error("device '" + spec +
                               "' asked for, but no CUDA device is available; use --device cpu");
    }
    torch::Device device(spec == "cuda" ? "cuda:0" : spec);
    if (device.index() >= static_cast<int>(torch::cuda::device_count())) {
      throw std::runtime_error("device '" + spec + "' does not exist: this machine has " +
                               std::to_string(torch::cuda::device_count()) + " CUDA device(s)");
    }
    return device;
  }
  throw std::invalid_argument("unknown device '" + spec + "'; use auto, cpu, cuda or cuda:N");
}

std::string describe_runtime() {
  std::ostringstream out;
  out << "pix2pix " << PIX2PIX_VERSION << "\n";
  out << "LibTorch: " << TORCH_VERSION << "\n";
  const bool cuda = torch::cuda::is_available();
  out << "CUDA available: " << (cuda ? "yes" : "no") << "\n";
  out << "cuDNN available: " << (torch::cuda::cudnn_is_available() ? "yes" : "no") << "\n";
  out << "CUDA devices: " << (cuda ? torch::cuda::device_count() : 0) << "\n";
  out << "CPU threads: " << torch::get_num_threads() << "\n";
  out << "devices: cpu";
  for (int i = 0; cuda && i < static_cast<int>(torch::cuda::device_count()); ++i)
    out << ", cuda:" << i;
  out << "\n";
  return out.str();
}

}  // namespace pix2pix
