"""Backtests: replay games (simulated or recorded ESPN payloads) through the real strategy code
against simulated order books, and report what the strategy would have done.

Import the parts from their modules (``local.backtest.games``, ``local.backtest.runner`` …); this
package imports nothing eagerly so ``games`` stays usable on its own.
"""
