"""Clickable garment tiles drawn in one batch. An image_button per tile draws its frame with the font atlas
and its picture with the tile atlas, so every tile is two draw calls; on llvmpipe a draw call costs ~0.1 ms
of the render thread, and the Parameters panel alone had 100 of them. Here each tile is an invisible button
(no drawing); the pictures are added to the window's draw list together at the end (`draw`), where ImGui
merges consecutive images of one texture into a single draw call."""

from __future__ import annotations


class TileBatch:
    def __init__(self) -> None:
        self.tiles: list[tuple] = []  # (image, top-left, bottom-right, uv0, uv1)

    def button(self, imgui, str_id: str, image, size, uv0, uv1, padding: float = 0.0) -> bool:
        """An invisible button `size` (ImVec2) whose picture (tile `uv0`..`uv1` of `image`, inset by
        `padding`) is drawn by draw(); True when clicked. With no image it is only the button."""
        low = imgui.get_cursor_screen_pos()
        clicked = imgui.invisible_button(str_id, size)
        if image is not None:
            top_left = imgui.ImVec2(low.x + padding, low.y + padding)
            bottom_right = imgui.ImVec2(low.x + size.x - padding, low.y + size.y - padding)
            self.tiles.append((image, top_left, bottom_right, imgui.ImVec2(*uv0), imgui.ImVec2(*uv1)))
        if imgui.is_item_hovered():
            high = imgui.get_item_rect_max()
            colour = imgui.get_color_u32(imgui.Col_.button_hovered)
            imgui.get_window_draw_list().add_rect_filled(low, high, colour)
        return clicked

    def draw(self, imgui) -> None:
        """The pictures, in the order their buttons were laid out (call before the window or child ends)."""
        draw_list = imgui.get_window_draw_list()
        for image, top_left, bottom_right, uv0, uv1 in self.tiles:
            draw_list.add_image(image, top_left, bottom_right, uv0, uv1)
        self.tiles.clear()
