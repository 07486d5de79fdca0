"""The emulator's machinery, independent of any resource provider."""
