"""The pix2pix networks as the reference PyTorch implementation builds them, in Python.

Written from the architecture's description (issue 3 of this project), not from the reference's
code. What must match the reference exactly is kept exactly: the module nesting, and so the
state_dict names (`model.model.1.model.2.weight`, `model.10.conv_block.1.weight`, `net.3.weight`),
the bias rule (a conv has a bias only when an instance norm follows it; never with batch norm or
none). The in-place LeakyReLU at the head of every inner U-Net level, as in the reference, also
changes the skip tensor; that is invisible, since a ReLU is the first thing to see each skip.

Importable by other tests: define_G, define_D, init_normal, randomise_norms.
"""

import torch
from torch import nn


def norm_layer(norm, channels):
    if norm == "batch":
        return nn.BatchNorm2d(channels, affine=True, track_running_stats=True)
    if norm == "instance":
        return nn.InstanceNorm2d(channels, affine=False, track_running_stats=False)
    if norm == "none":
        return nn.Identity()
    raise ValueError(f"unknown norm {norm!r}")


def conv_bias(norm):
    return norm == "instance"


class UnetLevel(nn.Module):
    """One level of the U-Net; `inner` is the level below (None at the bottleneck)."""

    def __init__(self, outer_nc, inner_nc, input_nc=None, inner=None, kind="middle",
                 norm="batch", dropout=False):
        super().__init__()
        input_nc = outer_nc if input_nc is None else input_nc
        bias = conv_bias(norm)
        self.outermost = kind == "outermost"
        down = nn.Conv2d(input_nc, inner_nc, kernel_size=4, stride=2, padding=1, bias=bias)
        if kind == "outermost":
            up = nn.ConvTranspose2d(inner_nc * 2, outer_nc, kernel_size=4, stride=2, padding=1)
            layers = [down, inner, nn.ReLU(True), up, nn.Tanh()]
        elif kind == "innermost":
            up = nn.ConvTranspose2d(inner_nc, outer_nc, kernel_size=4, stride=2, padding=1,
                                    bias=bias)
            layers = [nn.LeakyReLU(0.2, True), down, nn.ReLU(True), up, norm_layer(norm, outer_nc)]
        else:
            up = nn.ConvTranspose2d(inner_nc * 2, outer_nc, kernel_size=4, stride=2, padding=1,
                                    bias=bias)
            layers = [nn.LeakyReLU(0.2, True), down, norm_layer(norm, inner_nc), inner,
                      nn.ReLU(True), up, norm_layer(norm, outer_nc)]
            if dropout:
                layers.append(nn.Dropout(0.5))
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        y = self.model(x)  # its first LeakyReLU works in place on x (see the module's note)
        return y if self.outermost else torch.cat([x, y], 1)


class UnetGenerator(nn.Module):
    def __init__(self, input_nc, output_nc, num_downs, ngf=64, norm="batch", use_dropout=False):
        super().__init__()
        level = UnetLevel(ngf * 8, ngf * 8, kind="innermost", norm=norm)
        for _ in range(num_downs - 5):
            level = UnetLevel(ngf * 8, ngf * 8, inner=level, norm=norm, dropout=use_dropout)
        for mult in (4, 2, 1):
            level = UnetLevel(ngf * mult, ngf * mult * 2, inner=level, norm=norm)
        self.model = UnetLevel(output_nc, ngf, input_nc=input_nc, inner=level, kind="outermost",
                               norm=norm)

    def forward(self, x):
        return self.model(x)


class ResidualBlock(nn.Module):
    def __init__(self, dim, norm, use_dropout):
        super().__init__()
        bias = conv_bias(norm)
        layers = [nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=bias), norm_layer(norm, dim),
                  nn.ReLU(True)]
        if use_dropout:
            layers.append(nn.Dropout(0.5))
        layers += [nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=bias), norm_layer(norm, dim)]
        self.conv_block = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.conv_block(x)


class ResnetGenerator(nn.Module):
    def __init__(self, input_nc, output_nc, ngf=64, norm="batch", use_dropout=False, n_blocks=9):
        super().__init__()
        bias = conv_bias(norm)
        layers = [nn.ReflectionPad2d(3), nn.Conv2d(input_nc, ngf, 7, bias=bias),
                  norm_layer(norm, ngf), nn.ReLU(True)]
        for mult in (1, 2):
            layers += [nn.Conv2d(ngf * mult, ngf * mult * 2, 3, stride=2, padding=1, bias=bias),
                       norm_layer(norm, ngf * mult * 2), nn.ReLU(True)]
        layers += [ResidualBlock(ngf * 4, norm, use_dropout) for _ in range(n_blocks)]
        for mult in (4, 2):
            layers += [nn.ConvTranspose2d(ngf * mult, ngf * mult // 2, 3, stride=2, padding=1,
                                          output_padding=1, bias=bias),
                       norm_layer(norm, ngf * mult // 2), nn.ReLU(True)]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, output_nc, 7), nn.Tanh()]
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x)


class NLayerDiscriminator(nn.Module):
    def __init__(self, input_nc, ndf=64, n_layers=3, norm="batch"):
        super().__init__()
        bias = conv_bias(norm)
        width = [ndf * min(2 ** k, 8) for k in range(n_layers + 1)]
        layers = [nn.Conv2d(input_nc, ndf, 4, stride=2, padding=1), nn.LeakyReLU(0.2, True)]
        for k in range(n_layers):
            stride = 2 if k < n_layers - 1 else 1
            layers += [nn.Conv2d(width[k], width[k + 1], 4, stride=stride, padding=1, bias=bias),
                       norm_layer(norm, width[k + 1]), nn.LeakyReLU(0.2, True)]
        layers.append(nn.Conv2d(width[n_layers], 1, 4, stride=1, padding=1))
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x)


class PixelDiscriminator(nn.Module):
    def __init__(self, input_nc, ndf=64, norm="batch"):
        super().__init__()
        bias = conv_bias(norm)
        self.net = nn.Sequential(
            nn.Conv2d(input_nc, ndf, 1), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf, ndf * 2, 1, bias=bias), norm_layer(norm, ndf * 2),
            nn.LeakyReLU(0.2, True), nn.Conv2d(ndf * 2, 1, 1, bias=bias))

    def forward(self, x):
        return self.net(x)


def define_G(netG, input_nc=3, output_nc=3, ngf=64, norm="batch", use_dropout=False):
    if netG in ("unet_256", "unet_128"):
        return UnetGenerator(input_nc, output_nc, 8 if netG == "unet_256" else 7, ngf, norm,
                             use_dropout)
    if netG in ("resnet_9blocks", "resnet_6blocks"):
        return ResnetGenerator(input_nc, output_nc, ngf, norm, use_dropout,
                               9 if netG == "resnet_9blocks" else 6)
    raise ValueError(f"unknown netG {netG!r}")


def define_D(netD, input_nc=6, ndf=64, n_layers=3, norm="batch"):
    if netD == "basic":
        return NLayerDiscriminator(input_nc, ndf, 3, norm)
    if netD == "n_layers":
        return NLayerDiscriminator(input_nc, ndf, n_layers, norm)
    if netD == "pixel":
        return PixelDiscriminator(input_nc, ndf, norm)
    raise ValueError(f"unknown netD {netD!r}")


def init_normal(net, gain=0.02):
    """The paper's initialisation: conv weights N(0, gain), batch norm weights N(1, gain)."""
    for module in net.modules():
        if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(module.weight, 0.0, gain)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.BatchNorm2d):
            nn.init.normal_(module.weight, 1.0, gain)
            nn.init.zeros_(module.bias)


@torch.no_grad()
def randomise_norms(net, generator=None):
    """Non-trivial batch norm affine parameters and running statistics, so eval mode tests them."""
    for module in net.modules():
        if isinstance(module, nn.BatchNorm2d):
            n = module.num_features
            module.weight.copy_(1 + 0.2 * torch.randn(n, generator=generator))
            module.bias.copy_(0.2 * torch.randn(n, generator=generator))
            module.running_mean.copy_(0.1 * torch.randn(n, generator=generator))
            module.running_var.copy_(0.5 + torch.rand(n, generator=generator))
            module.num_batches_tracked.fill_(7)


def count_parameters(net):
    return sum(p.numel() for p in net.parameters() if p.requires_grad)
