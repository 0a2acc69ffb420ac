/** The renderer's store between tests: production code never needs to throw its state away. */
import { initialChatState, useChatStore } from '../../renderer/src/state/store';

/** Back to a fresh state, as on a page load. */
export function resetChatStore(): void {
  useChatStore.setState(initialChatState(), true);
}
