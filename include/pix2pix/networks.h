#pragma once

#include <torch/torch.h>

#include <map>
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

// Module and parameter names. Checkpoints carry these; they are part of the file format.
//
// U-Net (unet_256: 8 levels, unet_128: 7), one UnetBlock per level, nested through `inner`:
//   block.down_conv            outermost encoder conv (input_nc -> ngf)
//   block.inner.down_conv      next level's encoder conv; `down_norm` follows it
//   block.inner....inner       innermost level (no `inner`, no `down_norm`)
//   <level>.up_conv, up_norm   decoder ConvTranspose and its norm (outermost: no norm, has bias)
// ResNet (resnet_6blocks / resnet_9blocks):
//   in_conv, in_norm, down1, down1_norm, down2, down2_norm,
//   blocks.<i>.conv1, blocks.<i>.norm1, blocks.<i>.conv2, blocks.<i>.norm2,
//   up1, up1_norm, up2, up2_norm, out_conv
// PatchGAN (basic / n_layers):  in_conv, blocks.<k>.conv, blocks.<k>.norm (k < n_layers), out_conv
// PixelGAN (pixel):             in_conv, conv, norm, out_conv
// Norm modules exist only for norm batch (weight, bias, running_mean, running_var,
// num_batches_tracked) or instance (no parameters or buffers: not affine, no running statistics).
//
// Convolutions followed by a norm have a bias only with instance norm, as in the reference
// implementation (so none with norm "none" either). Always with a bias: the outermost
// ConvTranspose of the U-Net, the ResNet's out_conv, and the in_conv and PatchGAN out_conv of D;
// the PixelGAN's out_conv has one only with instance norm, as in the reference.

// Common interface of the generators, so that training and translation hold either kind.
class GeneratorImpl : public torch::nn::Module {
 public:
  // [N, input_nc, H, W] in [-1, 1] -> [N, output_nc, H, W] in [-1, 1].
  // Throws std::invalid_argument naming the size and the nearest sizes that work when H or W
  // is not a multiple of size_multiple(), and the expected and given counts on a channel mismatch.
  virtual torch::Tensor forward(torch::Tensor input) = 0;
  // H and W must be multiples of this (256 for unet_256, 4 for the ResNet generators).
  virtual int64_t size_multiple() const = 0;
  // Our module paths (as in named_modules) -> the reference implementation's module paths, for
  // every module that holds parameters or buffers. See interop.h for its use.
  virtual std::map<std::string, std::string> reference_module_names() const = 0;
  virtual const GeneratorConfig& config() const = 0;
};

class DiscriminatorImpl : public torch::nn::Module {
 public:
  // [N, input_nc, H, W] -> [N, 1, h, w] logits, no sigmoid (30x30 for basic on 256x256).
  // Throws std::invalid_argument naming the expected and given channel counts.
  virtual torch::Tensor forward(torch::Tensor input) = 0;
  virtual std::map<std::string, std::string> reference_module_names() const = 0;
  virtual const DiscriminatorConfig& config() const = 0;
};

using Generator = std::shared_ptr<GeneratorImpl>;
using Discriminator = std::shared_ptr<DiscriminatorImpl>;

// Built with LibTorch's default initialisation; training then calls init_weights.
// Throw std::invalid_argument naming the setting on an unknown arch or norm or a bad count.
Generator make_generator(const GeneratorConfig& config);
Discriminator make_discriminator(const DiscriminatorConfig& config);

// How init_weights draws the weights of Conv, ConvTranspose and Linear layers.
//   normal           N(0, gain)
//   xavier           N(0, gain * sqrt(2 / (fan_in + fan_out)))
//   xavier_uniform   U(-b, b), b = gain * sqrt(6 / (fan_in + fan_out))
//   kaiming          N(0, g / sqrt(fan)), g from `nonlinearity` and `kaiming_a`, fan by `fan_mode`
//   kaiming_uniform  U(-b, b), b = g * sqrt(3 / fan)
//   orthogonal       (semi-)orthogonal rows or columns of the weight flattened to 2-D, times gain
//   uniform          U(uniform_low, uniform_high)
//   constant         every weight = constant
//   zeros            every weight = 0
// Fans follow PyTorch: fan_in = size(1) * kernel area, fan_out = size(0) * kernel area (so for a
// ConvTranspose, whose weight is [in, out, k, k], "fan_in" counts its output channels).
struct InitConfig {
  std::string type = "normal";
  double gain = 0.02;
  std::string fan_mode = "fan_in";          // fan_in | fan_out
  double kaiming_a = 0.0;                   // negative slope of the LeakyReLU that follows
  std::string nonlinearity = "leaky_relu";  // linear | conv | sigmoid | tanh | relu | leaky_relu
  double uniform_low = -0.05;
  double uniform_high = 0.05;
  double constant = 0.0;
};

// Initialises every Conv, ConvTranspose and Linear weight by `init_type` (biases 0) and every
// BatchNorm weight from N(1, gain) (biases 0), visiting all submodules through module.apply.
// As in the reference, kaiming uses fan_in and a = 0 and ignores the gain; uniform draws from
// U(-gain, gain) and constant sets `gain`. Throws std::invalid_argument on an unknown type.
void init_weights(torch::nn::Module& module, const std::string& init_type, double init_gain);
void init_weights(torch::nn::Module& module, const InitConfig& config);

// torch.nn.init.calculate_gain: the gain recommended for a nonlinearity (slope: LeakyReLU's).
double nonlinearity_gain(const std::string& nonlinearity, double slope = 0.01);

int64_t count_parameters(const torch::nn::Module& module);  // trainable parameters

// A parameter count in millions with three decimals, as training prints it: "54.414 M".
std::string format_millions(int64_t count);

}  // namespace pix2pix
