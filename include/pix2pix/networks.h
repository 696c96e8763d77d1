#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>

#include "pix2pix/options.h"

namespace pix2pix {

// Settings that decide a network's structure (and so a checkpoint's shapes).
struct GeneratorConfig {
  std::string arch = "unet_256";  // unet_256 | unet_128 | resnet_9blocks | resnet_6blocks
  int input_nc = 3;
  int output_nc = 3;
  int ngf = 64;
  std::string norm = "batch";  // batch | instance | none
  bool use_dropout = true;
};

struct DiscriminatorConfig {
  std::string arch = "basic";  // basic (n_layers = 3) | n_layers | pixel
  int input_nc = 6;            // conditioning image + real or generated output
  int ndf = 64;
  int n_layers = 3;
  std::string norm = "batch";
};

GeneratorConfig generator_config(const Options& options);
DiscriminatorConfig discriminator_config(const Options& options);

// Common interface of the generators, so that training and translation hold either kind.
class GeneratorImpl : public torch::nn::Module {
 public:
  // [N, input_nc, H, W] in [-1, 1] -> [N, output_nc, H, W] in [-1, 1].
  // Throws std::invalid_argument naming the size and the nearest sizes that work when H or W
  // is not a multiple of size_multiple(), and the expected and given counts on a channel mismatch.
  virtual torch::Tensor forward(torch::Tensor input) = 0;
  // H and W must be multiples of this (256 for unet_256, 4 for the ResNet generators).
  virtual int64_t size_multiple() const = 0;
};

class DiscriminatorImpl : public torch::nn::Module {
 public:
  // [N, input_nc, H, W] -> [N, 1, h, w] logits, no sigmoid (30x30 for basic on 256x256).
  virtual torch::Tensor forward(torch::Tensor input) = 0;
};

using Generator = std::shared_ptr<GeneratorImpl>;
using Discriminator = std::shared_ptr<DiscriminatorImpl>;

// Built with LibTorch's default initialisation; training then calls init_weights.
Generator make_generator(const GeneratorConfig& config);
Discriminator make_discriminator(const DiscriminatorConfig& config);

// Initialises every Conv, ConvTranspose and Linear weight by `init_type` (biases 0) and every
// BatchNorm weight from N(1, gain) (biases 0), visiting all submodules through module.apply.
void init_weights(torch::nn::Module& module, const std::string& init_type, double init_gain);

int64_t count_parameters(const torch::nn::Module& module);  // trainable parameters

}  // namespace pix2pix
