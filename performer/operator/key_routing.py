"""The operator window's keyboard, between ImGui and the show. The window hands its keys to the output
window's handler (the show's keys work from either window), so ImGui saw none: a text field could not be
typed into, and typing a path would have fired the show's keys (B blackout, S snapshot). Installed once per
operator window by the first panel that needs it, this sits in front of that handler: every key and character
goes to ImGui; a press goes on to the show unless ImGui is taking text or a panel claims it (the design
canvas's C and R while it is under the mouse). A release goes on only when its press did, so the show never
sees half a key (a latent key held 1-8 would otherwise keep moving)."""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable

log = logging.getLogger(__name__)

Claim = Callable[[str, int], bool]  # (key name "a".."z", GLFW mods) -> True: the panel took the press
_ROUTES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # operator window -> its KeyRouting


def key_routing(operator) -> KeyRouting:
    """The operator window's routing, installed on first use."""
    routing = _ROUTES.get(operator)
    if routing is None:
        routing = _ROUTES[operator] = KeyRouting(operator)
    return routing


class KeyRouting:
    def __init__(self, operator) -> None:
        from imgui_bundle import imgui

        self.operator, self.glfw, self.imgui = operator, operator.glfw, imgui
        self.claims: list[Claim] = []
        self.stats = {"to_show": 0, "kept_for_text": 0, "claimed": 0, "errors": 0}
        self._forwarded: set[int] = set()  # keys whose press went to the show: their release follows
        self._claimed: set[int] = set()
        self._imgui_keys = _imgui_key_table(self.glfw, imgui)
        glfw = self.glfw
        self._show_key = glfw.set_key_callback(operator.window, self._key)
        glfw.set_char_callback(operator.window, self._char)

    def claim(self, claim: Claim) -> None:
        self.claims.append(claim)

    def _io(self):
        self.imgui.set_current_context(self.operator.gui)
        return self.imgui.get_io()

    def _char(self, window, codepoint: int) -> None:
        try:
            self._io().add_input_character(codepoint)
        except Exception:
            self._failed()

    def _key(self, window, key, scancode, action, mods) -> None:
        try:
            forward = self._route(key, action, mods)
        except Exception:
            self._failed()
            forward = action != self.glfw.RELEASE or key in self._forwarded
        if forward and self._show_key is not None:
            self.stats["to_show"] += 1
            self._show_key(window, key, scancode, action, mods)

    def _route(self, key: int, action: int, mods: int) -> bool:
        glfw = self.glfw
        io = self._io()
        self._feed_imgui(io, key, action)
        if action == glfw.RELEASE:
            self._claimed.discard(key)
            if key in self._forwarded:
                self._forwarded.discard(key)
                return True
            return False
        if action == glfw.REPEAT:
            return key in self._forwarded
        if io.want_text_input:  # a text field is being typed into (as of the last frame)
            self.stats["kept_for_text"] += 1
            return False
        if glfw.KEY_A <= key <= glfw.KEY_Z:
            name = chr(ord("a") + key - glfw.KEY_A)
            if any(claim(name, mods) for claim in self.claims):
                self.stats["claimed"] += 1
                self._claimed.add(key)
                return False
        self._forwarded.add(key)
        return True

    def _feed_imgui(self, io, key: int, action: int) -> None:
        glfw, imgui = self.glfw, self.imgui
        window = self.operator.window
        held = {}
        for mod, left, right in (
            (imgui.Key.mod_ctrl, glfw.KEY_LEFT_CONTROL, glfw.KEY_RIGHT_CONTROL),
            (imgui.Key.mod_shift, glfw.KEY_LEFT_SHIFT, glfw.KEY_RIGHT_SHIFT),
            (imgui.Key.mod_alt, glfw.KEY_LEFT_ALT, glfw.KEY_RIGHT_ALT),
            (imgui.Key.mod_super, glfw.KEY_LEFT_SUPER, glfw.KEY_RIGHT_SUPER),
        ):  # from the keys' state, as imgui's own GLFW backend does: a modifier's own release has its bit set
            held[mod] = glfw.get_key(window, left) == glfw.PRESS or glfw.get_key(window, right) == glfw.PRESS
            io.add_key_event(mod, held[mod])  # ImGui drops an event that repeats the state it has
        named = self._imgui_keys.get(key)
        if named is None:
            return
        # A letter's press only for a shortcut (Ctrl+A, Ctrl+V): ImGui takes one key change and its character
        # a frame (its input trickling), so letters sent as keys too would type a path at one letter a frame;
        # the characters alone arrive together. A release always (one never pressed is dropped as a repeat).
        letter = glfw.KEY_A <= key <= glfw.KEY_Z
        if action == glfw.RELEASE or not letter or held[imgui.Key.mod_ctrl] or held[imgui.Key.mod_super]:
            io.add_key_event(named, action != glfw.RELEASE)

    def _failed(self) -> None:
        self.stats["errors"] += 1
        if self.stats["errors"] == 1:
            log.exception("operator keys: a key could not be routed (the show's keys go on)")


def _imgui_key_table(glfw, imgui) -> dict[int, object]:
    """GLFW key -> ImGui key, for what a text field needs: editing keys and the letters of its shortcuts."""
    keys = imgui.Key
    table = {
        glfw.KEY_BACKSPACE: keys.backspace,
        glfw.KEY_DELETE: keys.delete,
        glfw.KEY_ENTER: keys.enter,
        glfw.KEY_KP_ENTER: keys.keypad_enter,
        glfw.KEY_TAB: keys.tab,
        glfw.KEY_ESCAPE: keys.escape,
        glfw.KEY_LEFT: keys.left_arrow,
        glfw.KEY_RIGHT: keys.right_arrow,
        glfw.KEY_UP: keys.up_arrow,
        glfw.KEY_DOWN: keys.down_arrow,
        glfw.KEY_HOME: keys.home,
        glfw.KEY_END: keys.end,
    }
    table.update({glfw.KEY_A + i: getattr(keys, chr(ord("a") + i)) for i in range(26)})
    return table
