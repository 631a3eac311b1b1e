#!/usr/bin/python3
"""The seed network of resnetc: the d2l ResNet-18 (the notebook of Dive into
Deep Learning's ResNet chapter), rebuilt so fixtures and weight files
have exactly the notebook's module structure and state_dict keys."""

import argparse

import torch
from torch import nn
from torch.nn import functional as F


# --- The notebook's code (cells "In [30]" and "In [34]"), copied statement for
# --- statement; only the indentation (2 -> 4 spaces) and the comments changed.

class Residual(nn.Module):
    def __init__(self, input_channels, num_channels, use_1x1conv = False, strides = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(input_channels, num_channels, kernel_size=3, padding = 1, stride = strides)
        self.conv2 = nn.Conv2d(num_channels, num_channels, kernel_size=3, padding = 1)

        if use_1x1conv:
            self.conv3 = nn.Conv2d(input_channels, num_channels, kernel_size=1, stride = strides)
        else:
            self.conv3 = None

        self.bn1 = nn.BatchNorm2d(num_channels)
        self.bn2 = nn.BatchNorm2d(num_channels)
        # inplace: saves a little memory (unused by forward, has no parameters)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, X):
        Y = F.relu(self.bn1(self.conv1(X)))

        Y = self.bn2(self.conv2(Y))
        if self.conv3:
            X = self.conv3(X)
        Y += X
        return F.relu(Y)


def resnet_block(input_channels, num_channels, num_residuals, first_block = False):
    '''
    :param inut_channels: input_channels
    :param num_channels: output channels
    :param num_residuals: number of residual block
    :first_block: first block is special
    '''
    blk = []
    for i in range(num_residuals):
        # b1 already downsampled (stride-2 max pool), so the first stage keeps the size
        if i == 0 and not first_block:
            blk.append(Residual(input_channels, num_channels, use_1x1conv = True, strides = 2))
        else:
            blk.append(Residual(num_channels, num_channels))
    return blk

# --- End of the notebook's code.


NOTEBOOK_WIDTHS = (64, 128, 256, 512)
NOTEBOOK_RESIDUALS = (2, 2, 2, 2)


def build_seed_net(in_channels=1, widths=NOTEBOOK_WIDTHS, residuals=NOTEBOOK_RESIDUALS,
                   num_classes=10):
    """The notebook's `net` (cells 33-36); the parameters only exist so tests
    can use narrow variants with the same key layout."""
    widths, residuals = tuple(widths), tuple(residuals)
    if not widths or len(widths) != len(residuals):
        raise ValueError(f"widths {widths} and residuals {residuals} must be non-empty "
                         "and of equal length")
    if min(widths) < 1 or min(residuals) < 1 or in_channels < 1 or num_classes < 1:
        raise ValueError("channel, residual and class counts must be positive")
    b1 = nn.Sequential(nn.Conv2d(in_channels, widths[0], kernel_size = 7, stride = 2, padding = 3),
                       nn.BatchNorm2d(widths[0]), nn.ReLU(),
                       nn.MaxPool2d(kernel_size=3, stride = 2, padding = 1))
    stages = [nn.Sequential(*resnet_block(widths[0], widths[0], residuals[0], first_block=True))]
    for i in range(1, len(widths)):
        stages.append(nn.Sequential(*resnet_block(widths[i - 1], widths[i], residuals[i])))
    return nn.Sequential(b1, *stages,
                         nn.AdaptiveAvgPool2d((1, 1)),
                         nn.Flatten(), nn.Linear(widths[-1], num_classes))


def randomize_batchnorm(net, generator):
    """Give every BatchNorm2d non-trivial affine parameters and running
    statistics; fresh BN layers are the identity in eval(), which would let a
    compiler with broken BN folding pass."""
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                n = m.num_features
                m.weight.copy_(torch.rand(n, generator=generator) + 0.5)        # U(0.5, 1.5)
                m.bias.copy_(torch.randn(n, generator=generator) * 0.1)         # N(0, 0.1)
                m.running_mean.copy_(torch.randn(n, generator=generator) * 0.1)  # N(0, 0.1)
                m.running_var.copy_(torch.rand(n, generator=generator) * 1.5 + 0.5)  # U(0.5, 2)
    return net


def build_randomized_seed_net(seed, **arch):
    """Seed net with default-initialised convs (global RNG seeded with `seed`)
    and randomized BN (own generator), in eval mode: the one recipe shared by
    every tool so weight files and fixtures agree."""
    return _randomized(seed, lambda: build_seed_net(**arch))


TORCHVISION_RESNETS = ("resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
                       "resnext50_32x4d", "wide_resnet50_2")
MODELS = ("seed",) + TORCHVISION_RESNETS


def build_torchvision_resnet(name, in_channels=3, num_classes=1000):
    """torchvision's ResNet `name` (untrained); a stem for `in_channels` other
    than 3 is built the way torchvision builds its own."""
    import torchvision  # only the torchvision models need it
    if name not in TORCHVISION_RESNETS:
        raise ValueError(f"unknown torchvision ResNet {name!r} (expected one of: "
                         f"{', '.join(TORCHVISION_RESNETS)})")
    if in_channels < 1 or num_classes < 1:
        raise ValueError("channel and class counts must be positive")
    net = getattr(torchvision.models, name)(weights=None, num_classes=num_classes)
    if in_channels != 3:
        net.conv1 = nn.Conv2d(in_channels, 64, kernel_size=7, stride=2, padding=3, bias=False)
    return net


def build_randomized_model(model, seed, in_channels, widths=NOTEBOOK_WIDTHS,
                           residuals=NOTEBOOK_RESIDUALS, num_classes=10):
    """`model` ("seed" or a torchvision ResNet name) with seeded weights and
    randomized BatchNorm, in eval mode. widths and residuals shape the seed
    only; torchvision's depths are fixed by the name."""
    if model == "seed":
        return build_randomized_seed_net(seed, in_channels=in_channels, widths=widths,
                                         residuals=residuals, num_classes=num_classes)
    return _randomized(seed, lambda: build_torchvision_resnet(model, in_channels, num_classes))


def _randomized(seed, build):
    torch.manual_seed(seed)
    net = build()
    randomize_batchnorm(net, torch.Generator().manual_seed(seed))
    return net.eval()


def int_list(text):
    """argparse type for '64,128,256,512'."""
    try:
        return tuple(int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}")


def add_arch_arguments(parser, channels_flag):
    """The architecture options shared by the CLIs (dest names match
    build_seed_net's parameters)."""
    parser.add_argument("--seed", metavar="S", type=int, default=0, help="RNG seed (default 0)")
    parser.add_argument(channels_flag, dest="in_channels", metavar="C", type=int, default=1,
                        help="input channels (default 1)")
    parser.add_argument("--widths", metavar="W,W,...", type=int_list, default=NOTEBOOK_WIDTHS,
                        help="stage widths (default 64,128,256,512)")
    parser.add_argument("--residuals", metavar="R,R,...", type=int_list, default=NOTEBOOK_RESIDUALS,
                        help="residual blocks per stage (default 2,2,2,2)")
    parser.add_argument("--classes", dest="num_classes", metavar="K", type=int, default=10,
                        help="output classes (default 10)")


def arch_from_args(args):
    """build_seed_net keyword arguments from parsed add_arch_arguments options."""
    return {"in_channels": args.in_channels, "widths": args.widths,
            "residuals": args.residuals, "num_classes": args.num_classes}
