#include "pix2pix/networks.h"

#include <cstdio>
#include <sstream>
#include <stdexcept>

#include "pix2pix/network_modules.h"

namespace pix2pix {
namespace {

namespace nn = torch::nn;

// "256 or 512" for a size that is not a multiple: the multiples on either side (at least one).
std::string nearest_sizes(int64_t size, int64_t multiple) {
  const int64_t below = size / multiple * multiple;
  if (below == 0) return std::to_string(multiple);
  return std::to_string(below) + " or " + std::to_string(below + multiple);
}

}  // namespace

GeneratorConfig generator_config(const Options& options) {
  GeneratorConfig config;
  config.arch = options.netG;
  config.input_nc = options.input_nc;
  config.output_nc = options.output_nc;
  config.ngf = options.ngf;
  config.norm = options.norm;
  config.use_dropout = !options.no_dropout;
  return config;
}

DiscriminatorConfig discriminator_config(const Options& options) {
  DiscriminatorConfig config;
  config.arch = options.netD;
  config.input_nc = options.input_nc + options.output_nc;
  config.ndf = options.ndf;
  config.n_layers = options.netD == "basic" ? 3 : options.n_layers_D;
  config.norm = options.norm;
  return config;
}

nn::AnyModule make_norm(const std::string& norm, int64_t channels) {
  if (norm == "batch") return nn::AnyModule(nn::BatchNorm2d(channels));
  if (norm == "instance") {
    return nn::AnyModule(nn::InstanceNorm2d(
        nn::InstanceNorm2dOptions(channels).affine(false).track_running_stats(false)));
  }
  if (norm == "none") return {};
  throw std::invalid_argument("unknown norm '" + norm + "'; use batch, instance or none");
}

bool conv_bias_before(const std::string& norm) {
  return norm == "instance";
}

void check_input(const torch::Tensor& input, int64_t channels, int64_t multiple,
                 const std::string& network) {
  if (input.dim() != 4) {
    throw std::invalid_argument(network + " expects a batch of images [N, C, H, W], got " +
                                std::to_string(input.dim()) + " dimensions");
  }
  if (input.size(1) != channels) {
    throw std::invalid_argument(network + " expects " + std::to_string(channels) +
                                " input channels, got " + std::to_string(input.size(1)) +
                                " (check input_nc and output_nc)");
  }
  const int64_t height = input.size(2);
  const int64_t width = input.size(3);
  if (height % multiple == 0 && width % multiple == 0 && height > 0 && width > 0) return;

  std::ostringstream message;
  message << network << " needs a height and width divisible by " << multiple << ", got " << height
          << "x" << width
          << " (HxW); nearest heights that work: " << nearest_sizes(height, multiple)
          << ", widths: " << nearest_sizes(width, multiple)
          << ". Resize or crop the images (crop_size, resize_to), or choose another netG";
  throw std::invalid_argument(message.str());
}

Generator make_generator(const GeneratorConfig& config) {
  if (config.input_nc < 1 || config.output_nc < 1 || config.ngf < 1) {
    throw std::invalid_argument("generator needs input_nc, output_nc and ngf of at least 1, got " +
                                std::to_string(config.input_nc) + ", " +
                                std::to_string(config.output_nc) + ", " +
                                std::to_string(config.ngf));
  }
  make_norm(config.norm, 1);  // throws on an unknown norm
  if (config.arch == "unet_256") return std::make_shared<UnetGeneratorImpl>(config, 8);
  if (config.arch == "unet_128") return std::make_shared<UnetGeneratorImpl>(config, 7);
  if (config.arch == "resnet_9blocks") return std::make_shared<ResnetGeneratorImpl>(config, 9);
  if (config.arch == "resnet_6blocks") return std::make_shared<ResnetGeneratorImpl>(config, 6);
  throw std::invalid_argument("unknown netG '" + config.arch +
                              "'; use unet_256, unet_128, resnet_9blocks or resnet_6blocks");
}

Discriminator make_discriminator(const DiscriminatorConfig& config) {
  if (config.input_nc < 1 || config.ndf < 1) {
    throw std::invalid_argument("discriminator needs input_nc and ndf of at least 1, got " +
                                std::to_string(config.input_nc) + ", " +
                                std::to_string(config.ndf));
  }
  make_norm(config.norm, 1);
  if (config.arch == "basic") {
    DiscriminatorConfig basic = config;
    basic.n_layers = 3;
    return std::make_shared<NLayerDiscriminatorImpl>(basic);
  }
  if (config.arch == "n_layers") return std::make_shared<NLayerDiscriminatorImpl>(config);
  if (config.arch == "pixel") return std::make_shared<PixelDiscriminatorImpl>(config);
  throw std::invalid_argument("unknown netD '" + config.arch + "'; use basic, n_layers or pixel");
}

int64_t count_parameters(const torch::nn::Module& module) {
  int64_t count = 0;
  for (const auto& parameter : module.parameters()) {
    if (parameter.requires_grad()) count += parameter.numel();
  }
  return count;
}

std::string format_millions(int64_t count) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.3f M", static_cast<double>(count) / 1e6);
  return text;
}

}  // namespace pix2pix
