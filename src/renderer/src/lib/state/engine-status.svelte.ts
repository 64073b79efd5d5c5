// Engine status for the status bar: the backend and versions, kept current by `engine:status` events.
import type { EngineState, EngineStatus } from '../../../../shared/protocol'
import { describeError, engine } from '../engine'

export class EngineStatusState {
  status = $state.raw<EngineStatus | null>(null)
  state = $state<EngineState | 'connecting'>('connecting')
  message = $state('connecting to the engine…')

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
    } catch (error) {
      this.message = describeError(error)
    }
  }
}

export const engineStatus = new EngineStatusState()
