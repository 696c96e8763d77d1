#pragma once

#include <torch/torch.h>

#include <string>

namespace pix2pix {

// Resolves auto | cpu | cuda | cuda:N. Throws when CUDA is asked for and absent, naming the fix.
torch::Device resolve_device(const std::string& spec);

// LibTorch version, CUDA and cuDNN availability and the devices, one fact a line.
std::string describe_runtime();

}  // namespace pix2pix
