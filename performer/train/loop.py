"""The GAN-VAE training loop.

Objective (per batch of real images x [B, C, S, S]):
  encoder + generator:  BCE_sum(G(z_q), x) + kl_weight * KL(q(z|x) || N(0, I))
                        + adv_weight * hinge_G(G(z_p)) + recon_adv_weight * hinge_G(G(z_q))
  critic:               hinge_D(x, G(z_p) and G(z_q))   with spectral norm on every critic layer
where z_q ~ q(z|x) by reparameterisation and z_p ~ N(0, I). The VAE terms make the space continuous and
give an encoder; the critic judges prior samples and (VAE-GAN, Larsen et al.) reconstructions, so both the
prior's range and the encoded region where landmarks and drawings live are sharpened. Hinge + spectral
norm was chosen over the original balancing rules because it needed no hand-tuned D/G step ratios to stay
stable on this CPPN (see README).
"""

from __future__ import annotations

import copy
import json
import logging
import time
from pathlib import Path

import imageio.v3 as iio
import torch
import torch.nn.functional as F
from tqdm import tqdm

from performer.grid import tile
from performer.model.checkpoint import (
    ModelFileError,
    load_discriminator,
    load_state,
    parse_config,
    read_file,
    save_model,
)
from performer.model.config import ModelConfig
from performer.model.cppn import CPPN, coordinate_grid
from performer.model.garments import TENSOR as GARMENTS
from performer.model.garments import encode_garments
from performer.model.prior import fit_to_encoder
from performer.train.config import TrainConfig
from performer.train.jitter import between_pixel_loss, training_view
from performer.train.latent_match import mmd
from performer.train.map_export import export_map
from performer.train.nets import build_nets, feature_distance, pick_device
from performer.train.timelapse import write_timelapse

log = logging.getLogger(__name__)


class Trainer:
    def __init__(self, config: ModelConfig, train: TrainConfig, device: torch.device | None = None) -> None:
        self.config, self.train = config, train
        self.device = device or pick_device()
        torch.manual_seed(train.seed)
        self.nets = build_nets(config, train, self.device)
        self.coords = coordinate_grid(config.image_size, config.image_size, config.coord_scale, device=self.device)
        # The same z's every epoch, so the grids and the timelapse show the generator evolving.
        gen = torch.Generator().manual_seed(1234)
        self.fixed_z = torch.randn(train.grid_size**2, config.latent_dim, generator=gen).to(self.device)
        self.ema: CPPN | None = None
        if train.ema_decay > 0:
            self.ema = copy.deepcopy(self.nets.generator).eval().requires_grad_(False)
        # spent: the fraction of the budget done (fit keeps it; the jitter schedule reads it)
        self.step, self.epoch, self.seconds, self.cpu_seconds, self.spent = 0, 0, 0.0, 0.0, 0.0
        self.history: list[dict] = []

    # ---- one optimiser step -------------------------------------------------------------------------
    def generate(self, z: torch.Tensor, coords: torch.Tensor | None = None) -> torch.Tensor:
        """z [B, L] -> images [B, C, S, S] on the training grid (or on `coords`, [S*S, 3])."""
        size = self.config.image_size
        pixels = self.nets.generator(z, self.coords if coords is None else coords)  # [B, S*S, C]
        return pixels.transpose(1, 2).reshape(z.shape[0], self.config.channels, size, size)

    def train_step(self, real: torch.Tensor) -> dict[str, float]:
        """One critic step, then one encoder + generator step on the same renders (drawn once with their
        graphs; the critic learns from them detached, then the generator asks the updated critic)."""
        nets, cfg = self.nets, self.train
        batch = real.shape[0]
        critic_only = self.step < cfg.critic_warmup_steps  # a fine-tune's critic warm-up replaces the VAE's
        adv_on = (cfg.critic_warmup_steps > 0 or self.step >= cfg.adv_warmup_steps) and cfg.adv_weight > 0
        recon_adv = adv_on and cfg.recon_adv_weight > 0

        mean, logvar = nets.encoder(real)  # [B, L] each
        # with jitter, renders and their targets (the critic's real images too) move by a sub-pixel offset
        coords, real = training_view(real, self.coords, self.config.coord_scale, cfg, self.spent)
        z_post = mean + torch.randn_like(mean) * torch.exp(0.5 * logvar)
        recon = self.generate(z_post, coords)
        z_prior = torch.randn(batch, self.config.latent_dim, device=self.device)
        prior = self.generate(z_prior, coords) if adv_on else None

        # critic: hinge loss, real vs prior samples (and reconstructions in VAE-GAN)
        loss_disc = torch.zeros((), device=self.device)
        if adv_on:
            fake = torch.cat([prior, recon]) if recon_adv else prior
            loss_disc = (
                F.relu(1 - nets.discriminator(real)).mean() + F.relu(1 + nets.discriminator(fake.detach())).mean()
            )
            nets.opt_disc.zero_grad(set_to_none=True)
            loss_disc.backward()
            nets.opt_disc.step()
        if critic_only:
            self.step += 1
            return {"disc": loss_disc.item()}

        # encoder + generator: ELBO, plus the hinge generator loss on prior samples (and reconstructions)
        loss_recon = F.binary_cross_entropy(recon, real, reduction="sum") / batch
        loss_kl = -0.5 * torch.sum(1 + logvar - mean.pow(2) - logvar.exp()) / batch
        loss = loss_recon + cfg.kl_weight * loss_kl
        loss_between, loss_adv, loss_recon_adv, loss_feature = (torch.zeros((), device=self.device) for _ in range(4))
        loss_mmd = mmd(z_post, z_prior) if cfg.mmd_weight > 0 else torch.zeros((), device=self.device)
        loss = loss + cfg.mmd_weight * loss_mmd
        if cfg.between_pixel_on(self.spent):
            flat, scale, gen = cfg.between_pixel_flat, self.config.coord_scale, self.generate
            loss_between = between_pixel_loss(gen, z_post, recon, scale, real, flat)
            loss = loss + cfg.between_pixel_weight * loss_between
            if cfg.between_pixel_prior and prior is not None:  # masked where the sample's own render is flat
                loss = loss + cfg.between_pixel_prior * between_pixel_loss(gen, z_prior, prior, scale, prior, flat)
        if adv_on:
            nets.discriminator.requires_grad_(False)  # the generator's step leaves the critic's gradients alone
            scores = nets.discriminator(torch.cat([prior, recon]) if recon_adv else prior)
            nets.discriminator.requires_grad_(True)
            loss_adv = -scores[:batch].mean()
            loss = loss + cfg.adv_weight * loss_adv
            if recon_adv:
                loss_recon_adv = -scores[batch:].mean()
                loss = loss + cfg.recon_adv_weight * loss_recon_adv
            if cfg.feature_recon_weight > 0:
                nets.discriminator.requires_grad_(False)
                loss_feature = feature_distance(nets.discriminator, real, recon)
                nets.discriminator.requires_grad_(True)
                loss = loss + cfg.feature_recon_weight * loss_feature
        nets.opt_vae.zero_grad(set_to_none=True)
        loss.backward()
        nets.opt_vae.step()
        self.update_ema()
        self.step += 1
        terms = {"recon": loss_recon, "kl": loss_kl, "adv": loss_adv, "recon_adv": loss_recon_adv}
        terms |= {"feature": loss_feature, "between": loss_between, "mmd": loss_mmd, "disc": loss_disc}
        return {name: value.item() for name, value in terms.items()}

    def set_lr_scale(self, scale: float) -> None:
        for opt, base in ((self.nets.opt_vae, self.train.lr), (self.nets.opt_disc, self.train.lr_disc)):
            for group in opt.param_groups:
                group["lr"] = base * scale

    @torch.no_grad()
    def update_ema(self) -> None:
        if self.ema is None:
            return
        decay = self.train.ema_decay
        for average, live in zip(self.ema.parameters(), self.nets.generator.parameters(), strict=True):
            average.lerp_(live, 1.0 - decay)

    @property
    def shipped_generator(self) -> CPPN:
        """What samples, exports and bench-quality see: the EMA generator when it is kept."""
        return self.ema if self.ema is not None else self.nets.generator

    # ---- epochs, samples, checkpoints ---------------------------------------------------------------
    def fit(self, images: torch.Tensor, out_dir: Path, timelapse: bool = False) -> dict:
        """images [N, C, S, S] in [0, 1] (on the CPU). Writes samples and checkpoints into out_dir."""
        cfg = self.train
        out_dir.mkdir(parents=True, exist_ok=True)
        if cfg.limit:
            images = images[: cfg.limit]
        count = images.shape[0]
        steps_per_epoch = max(1, count // cfg.batch_size)
        shuffle = torch.Generator().manual_seed(cfg.seed + self.epoch)
        started = time.monotonic() - self.seconds
        cpu_started = time.process_time() - self.cpu_seconds
        # a resumed run already at its budget's end makes no steps
        self.spent = cfg.budget_spent(self.step, steps_per_epoch, self.seconds, self.cpu_seconds)
        stop = self.spent >= 1.0
        while self.epoch < cfg.epochs and not stop:
            order = torch.randperm(count, generator=shuffle)
            totals: dict[str, float] = {}
            bar = tqdm(
                range(steps_per_epoch), desc=f"epoch {self.epoch + 1}/{cfg.epochs}", unit="step", dynamic_ncols=True
            )
            done = 0
            for index in bar:
                batch = images[order[index * cfg.batch_size : (index + 1) * cfg.batch_size]].to(self.device)
                losses = self.train_step(batch)
                done += 1
                for key, value in losses.items():
                    totals[key] = totals.get(key, 0.0) + value
                if index % 10 == 0:
                    bar.set_postfix({k: f"{v:.3g}" for k, v in losses.items()})
                wall, cpu = time.monotonic() - started, time.process_time() - cpu_started
                self.spent = cfg.budget_spent(self.step, steps_per_epoch, wall, cpu)
                if self.spent >= 1.0:
                    stop = True
                    break
                self.set_lr_scale(cfg.lr_scale(self.spent))  # for the next step
            bar.close()
            self.epoch += 1
            self.seconds = time.monotonic() - started
            self.cpu_seconds = time.process_time() - cpu_started
            summary = {
                "epoch": self.epoch,
                "step": self.step,
                "seconds": round(self.seconds, 1),
                "cpu_seconds": round(self.cpu_seconds, 1),
            }
            summary.update({k: round(v / max(done, 1), 4) for k, v in totals.items()})
            self.history.append(summary)
            log.info("epoch %d: %s", self.epoch, summary)
            self.write_samples(out_dir, timelapse)
            self.save(out_dir / "checkpoint.safetensors")
        if timelapse:
            write_timelapse(out_dir / "timelapse", out_dir / "timelapse.mp4")
        return self.history[-1] if self.history else {}

    @torch.no_grad()
    def write_samples(self, out_dir: Path, timelapse: bool) -> None:
        generator = self.shipped_generator
        was_training = generator.training
        generator.eval()
        tiles = generator.render(self.fixed_z, 64)  # [G*G, C, 64, 64]
        generator.train(was_training)
        picture = tile(tiles, self.train.grid_size)
        iio.imwrite(out_dir / f"samples_epoch{self.epoch:03d}.png", picture)
        if timelapse:
            (out_dir / "timelapse").mkdir(exist_ok=True)
            iio.imwrite(out_dir / "timelapse" / f"epoch{self.epoch:04d}.png", picture)

    def info(self) -> dict:
        return {
            "epochs": self.epoch,
            "steps": self.step,
            "train_seconds": round(self.seconds, 1),
            "train_cpu_seconds": round(self.cpu_seconds, 1),
            "device": str(self.device),
            "train": self.train.to_dict(),
            "history": self.history[-3:],
        }

    def save(self, path: Path) -> None:
        """Full checkpoint: model + critic + optimiser moments; loads as a model file too."""
        extra = {f"discriminator.{k}": v for k, v in self.nets.discriminator.state_dict().items()}
        if self.ema is not None:
            extra.update({f"ema.{k}": v for k, v in self.ema.state_dict().items()})
        groups = {}
        for name, opt in (("vae", self.nets.opt_vae), ("disc", self.nets.opt_disc)):
            state = opt.state_dict()
            for index, slots in state["state"].items():
                for key, value in slots.items():
                    extra[f"optim.{name}.{index}.{key}"] = torch.as_tensor(value)
            groups[name] = state["param_groups"]
        progress = {"step": self.step, "epoch": self.epoch, "seconds": self.seconds, "cpu_seconds": self.cpu_seconds}
        meta = {"optim_groups": json.dumps(groups), "progress": json.dumps(progress | {"history": self.history})}
        save_model(path, self.config, self.nets.generator, self.nets.encoder, self.info(), extra, meta)

    def export(self, path: Path, images: torch.Tensor | None = None, labels=None) -> Path:
        """The model alone (generator + encoder): what ships in models/. With the training images, also the
        garment latents (model/garments.py) that random jumps land on, their map with the `labels` (numpy
        [N] or None; model/garment_map.py) and the learned prior fitted to them (model/prior.py)."""
        extra, meta = {}, {}
        if images is not None:
            extra[GARMENTS] = encode_garments(self.nets.encoder, images)
            garment_map, meta = export_map(extra[GARMENTS], labels)
            extra.update(garment_map)
            # the learned prior is fitted to many more garments than the table keeps
            prior = fit_to_encoder(self.nets.encoder, images)
            extra.update({k: torch.from_numpy(v) for k, v in prior.tensors().items()})
        return save_model(path, self.config, self.shipped_generator, self.nets.encoder, self.info(), extra, meta)

    @classmethod
    def resume(cls, path: Path, train: TrainConfig, device: torch.device | None = None) -> Trainer:
        metadata, tensors = read_file(path)
        config = parse_config(path, metadata)
        trainer = cls(config, train, device)
        nets = trainer.nets
        load_state(path, nets.generator, "generator", tensors)
        load_state(path, nets.encoder, "encoder", tensors)
        if "optim_groups" not in metadata:
            raise ModelFileError(f"{path}: a model file, not a training checkpoint (no critic or optimiser)")
        nets.discriminator.load_state_dict(load_discriminator(path, config, tensors).state_dict())
        if trainer.ema is not None:
            if any(key.startswith("ema.") for key in tensors):
                load_state(path, trainer.ema, "ema", tensors)
            else:  # a checkpoint from before EMA: the average starts at the live weights
                trainer.ema.load_state_dict(nets.generator.state_dict())
        groups = json.loads(metadata["optim_groups"])
        for name, opt in (("vae", nets.opt_vae), ("disc", nets.opt_disc)):
            state: dict = {"state": {}, "param_groups": groups[name]}
            prefix = f"optim.{name}."
            for key, value in tensors.items():
                if key.startswith(prefix):
                    index, slot = key[len(prefix) :].split(".", 1)
                    state["state"].setdefault(int(index), {})[slot] = value.to(trainer.device)
            opt.load_state_dict(state)
        progress = json.loads(metadata["progress"])
        trainer.step, trainer.epoch = progress["step"], progress["epoch"]
        trainer.seconds, trainer.history = progress["seconds"], progress["history"]
        trainer.cpu_seconds = progress.get("cpu_seconds", 0.0)
        return trainer
