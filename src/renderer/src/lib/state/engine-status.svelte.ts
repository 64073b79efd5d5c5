// Engine status for the status bar: the backend and versions, kept current by `engine:status` events.
import { DEVICE_SETTINGS, type DeviceSetting, type DeviceStatus, type EngineState, type EngineStatus } from '../../../../shared/protocol'
import { describeError, engine } from '../engine'

export class EngineStatusState {
  status = $state.raw<EngineStatus | null>(null)
  state = $state<EngineState | 'connecting'>('connecting')
  message = $state('connecting to the engine…')
  device = $state.raw<DeviceStatus | null>(null) // onnxruntime's device; the setting is remembered across restarts

  constructor() {
    engine.on('engine:status', (event) => {
      this.state = event.state
      this.message = event.message
      if (event.state === 'ready') void this.refresh()
    })
    void this.refresh()
  }

  async refresh(): Promise<void> {
    try {
      this.status = await engine.status()
      this.state = 'ready'
      this.message = ''
      await this.setDevice(rememberedDevice()) // a restarted engine starts on auto: give it the setting again
    } catch (error) {
      this.report(error)
    }
  }

  /** Shows why a call failed, except a call cut off by the engine's exit: the engine:status events say what follows
   *  (restarting, then ready, and this refreshes again), so the bar keeps saying that instead. */
  report(error: unknown): void {
    if ((error as { code?: string }).code !== 'engine-exited') this.message = describeError(error)
  }

  async setDevice(device: DeviceSetting): Promise<void> {
    localStorage.setItem(DEVICE_KEY, device)
    this.device = await engine.setDevice({ device })
  }
}

const DEVICE_KEY = 'flowmo.device'

function rememberedDevice(): DeviceSetting {
  const stored = localStorage.getItem(DEVICE_KEY)
  return DEVICE_SETTINGS.find((d) => d === stored) ?? 'auto'
}

export const engineStatus = new EngineStatusState()
