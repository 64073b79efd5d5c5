// One zoom/pan transform shared by side-by-side image panes: wheel zooms about the pointer, drag pans, double-click resets.
export class ViewTransform {
  scale = $state(1)
  x = $state(0) // px, applied after scaling
  y = $state(0)
  private drag: { x: number; y: number } | null = null

  readonly css = $derived(`translate(${this.x}px, ${this.y}px) scale(${this.scale})`)

  wheel(event: WheelEvent, pane: HTMLElement): void {
    event.preventDefault()
    const rect = pane.getBoundingClientRect()
    const [px, py] = [event.clientX - rect.left, event.clientY - rect.top]
    const next = Math.min(64, Math.max(0.25, this.scale * Math.exp(-event.deltaY * 0.002)))
    this.x = px - ((px - this.x) * next) / this.scale // keep the point under the pointer fixed
    this.y = py - ((py - this.y) * next) / this.scale
    this.scale = next
  }

  down(event: PointerEvent): void {
    this.drag = { x: event.clientX - this.x, y: event.clientY - this.y }
    ;(event.currentTarget as HTMLElement).setPointerCapture(event.pointerId)
  }

  move(event: PointerEvent): void {
    if (!this.drag) return
    this.x = event.clientX - this.drag.x
    this.y = event.clientY - this.drag.y
  }

  up(): void {
    this.drag = null
  }

  reset(): void {
    this.scale = 1
    this.x = 0
    this.y = 0
  }
}
